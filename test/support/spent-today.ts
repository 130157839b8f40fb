/** What GET /v1/usage says a caller has spent today, in nano-USD: for end-to-end checks that usage shows a request. */
import type { LocalGateway } from '../../lambda/local/local-gateway';
import { parseUsd } from '../../lambda/core/accounting/money';

export async function spentToday(gateway: LocalGateway, apiKey: string): Promise<bigint> {
  // The aggregates trail the ledger by the aggregator's window: count everything recorded so far first.
  await gateway.aggregates.flush();
  const response = await fetch(`${gateway.baseUrl}/usage`, { headers: { authorization: `Bearer ${apiKey}` } });
  const usage = (await response.json()) as { total: { cost_usd: string } };
  return parseUsd(usage.total.cost_usd);
}
