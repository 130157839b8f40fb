/**
 * What the core needs to report on itself: log lines and metrics. Powertools'
 * Logger and Metrics back them in Lambda; tests pass plain collectors.
 */

/** Log lines carry fields, never prompt text or credentials. */
export interface Log {
  info(message: string, fields: Record<string, unknown>): void;
  error(message: string, fields: Record<string, unknown>): void;
}

/** The metrics the core emits, each a count with its own dimensions. */
export interface MetricSink {
  count(name: 'ProviderFailures' | 'CircuitOpened' | 'CircuitSkipped', dimensions: Readonly<Record<string, string>>): void;
}
