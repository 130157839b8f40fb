/** How the audit writes money for people: dollars and cents (four places under a dollar), with thousands grouped. */
import { parseUsd } from '../../lambda/core/accounting/money';
import { formatCents } from '../../lambda/core/accounting/usage-report';

/** An exact USD string ("27600.000000000") as the usage report rounds it, grouped for reading ("$27,600.00"). */
export function dollars(usd: string): string {
  const negative = usd.startsWith('-');
  const magnitude = parseUsd(negative ? usd.slice(1) : usd);
  return formatCents(negative ? -magnitude : magnitude).replace(/\d+(?=\.)/, (whole) => BigInt(whole).toLocaleString('en-US'));
}

/** A count and its noun, grouped and in the plural where it takes one: "1 file", "2,048 requests". */
export function counted(count: number, noun: string): string {
  return `${count.toLocaleString('en-US')} ${noun}${count === 1 ? '' : 's'}`;
}
