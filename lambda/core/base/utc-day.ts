/**
 * Days as the ledger, the budgets and the reports count them: UTC calendar
 * days written `YYYY-MM-DD`.
 */

export const DAY_MS = 86_400_000;
export const DAY_SECONDS = 86_400;

const DAY_FORMAT = /^\d{4}-\d{2}-\d{2}$/;

/** The UTC day an instant falls on. */
export function utcDay(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(0, 10);
}

/** Whether `text` is a real day in `YYYY-MM-DD` form: `2026-02-30` is not. */
export function isUtcDay(text: string): boolean {
  if (!DAY_FORMAT.test(text)) return false;
  const start = Date.parse(`${text}T00:00:00Z`);
  return !Number.isNaN(start) && utcDay(start) === text;
}

/** Midnight UTC at the start of `day`, in epoch ms. */
export function startOfUtcDay(day: string): number {
  return Date.parse(`${day}T00:00:00Z`);
}

/** Midnight UTC after `epochMs`, when every daily budget starts afresh. */
export function nextUtcMidnight(epochMs: number): Date {
  return new Date(startOfUtcDay(utcDay(epochMs)) + DAY_MS);
}
