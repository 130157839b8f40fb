/** Request headers as every entry point hands them on: names as received, so readers match them in any letter case. */
export type HeaderBag = Readonly<Record<string, string | undefined>>;
