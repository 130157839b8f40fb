/** How the audit writes money and shares for people: from exact strings and integers, never through floating point. */
import type { NanoUsd } from '../../lambda/core/money';

/** A percentage with one decimal, rounded half up, from integers: 28,400 of 56,000 is "50.7". */
export function tenths(part: NanoUsd, whole: NanoUsd): string {
  if (whole === 0n) return '0.0';
  const negative = part !== 0n && part < 0n !== whole < 0n;
  const absolute = (value: bigint) => (value < 0n ? -value : value);
  const magnitude = (absolute(part) * 1000n + absolute(whole) / 2n) / absolute(whole);
  return `${negative ? '-' : ''}${magnitude / 10n}.${magnitude % 10n}`;
}

/** An exact USD string ("27600.000000000") as dollars and cents for reading ("$27,600.00"), rounded half up. */
export function dollars(usd: string): string {
  const negative = usd.startsWith('-');
  const [whole = '0', fraction = ''] = (negative ? usd.slice(1) : usd).split('.');
  const cents = BigInt(whole) * 100n + BigInt((fraction + '000').slice(0, 2)) + (Number(fraction[2] ?? '0') >= 5 ? 1n : 0n);
  const text = `${(cents / 100n).toLocaleString('en-US')}.${String(cents % 100n).padStart(2, '0')}`;
  return `${negative ? '-' : ''}$${text}`;
}
