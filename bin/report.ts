/**
 * `npm run report -- [--date YYYY-MM-DD] [--endpoint URL] [--key KEY] [--shadow ROUTE]`:
 * a day's usage as a table, from `GET /v1/usage` of a running gateway: the
 * `npm start` on PORT (default 8787) unless `--endpoint` (or
 * SWITCHYARD_ENDPOINT) names another, e.g. a deployed one. Callers see their
 * own usage; admins see all. With `--shadow ROUTE` (a route, or `tier-N`):
 * that day's shadow traffic on it, primary against candidate, from
 * `GET /v1/shadow`.
 */
import { parseArgs } from 'node:util';
import { renderUsage, type UsageReport } from '../lambda/core/accounting/usage-report';
import { renderShadowReport, type ShadowReport } from '../lambda/core/features/shadow';
import { findGateway, portSetting } from '../lambda/local/gateway-state';
import { utcDay } from '../lambda/core/base/utc-day';
import { answerHelp } from '../lib/cli/help';

async function main(): Promise<void> {
  answerHelp(__filename);
  const { values } = parseArgs({
    options: {
      date: { type: 'string', default: utcDay(Date.now()) },
      endpoint: { type: 'string', default: process.env['SWITCHYARD_ENDPOINT'] || undefined },
      key: { type: 'string', default: process.env['SWITCHYARD_KEY'] || 'local-dev' },
      shadow: { type: 'string' },
    },
  });
  const endpoint = values.endpoint ?? findGateway(portSetting(process.env), 'pass --endpoint <url>').baseUrl;
  const base = endpoint.replace(/\/+$/, '');
  const url =
    values.shadow === undefined
      ? `${base}/usage?date=${encodeURIComponent(values.date)}`
      : `${base}/shadow?route=${encodeURIComponent(values.shadow)}&date=${encodeURIComponent(values.date)}`;
  let response: Response;
  try {
    response = await fetch(url, { headers: { authorization: `Bearer ${values.key}` } });
  } catch (error) {
    console.error(`Cannot reach ${endpoint}: is the gateway running? (${(error as Error).message})`);
    process.exitCode = 1;
    return;
  }
  const body = (await response.json()) as UsageReport | ShadowReport | { error: { message: string } };
  if (!response.ok || 'error' in body) {
    console.error(`${response.status}: ${'error' in body ? body.error.message : response.statusText}`);
    process.exitCode = 1;
    return;
  }
  console.log(body.object === 'switchyard.shadow' ? renderShadowReport(body) : renderUsage(body));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
