/**
 * `npm run report -- [--date YYYY-MM-DD] [--endpoint URL] [--key KEY]`: a
 * day's usage as a table, from `GET /v1/usage` of a running gateway: the
 * `npm start` on PORT (default 8787) unless `--endpoint` (or
 * SWITCHYARD_ENDPOINT) names another, e.g. a deployed one. Callers see their
 * own usage; admins see all.
 */
import { parseArgs } from 'node:util';
import { renderUsage, type UsageReport } from '../lambda/core/usage-report';
import { findGateway, portSetting } from '../lambda/local/gateway-state';
import { utcDay } from '../lambda/core/utc-day';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      date: { type: 'string', default: utcDay(Date.now()) },
      endpoint: { type: 'string', default: process.env['SWITCHYARD_ENDPOINT'] || undefined },
      key: { type: 'string', default: process.env['SWITCHYARD_KEY'] || 'local-dev' },
    },
  });
  const endpoint = values.endpoint ?? findGateway(portSetting(process.env), 'pass --endpoint <url>').baseUrl;
  const url = `${endpoint.replace(/\/+$/, '')}/usage?date=${encodeURIComponent(values.date)}`;
  let response: Response;
  try {
    response = await fetch(url, { headers: { authorization: `Bearer ${values.key}` } });
  } catch (error) {
    console.error(`Cannot reach ${endpoint}: is the gateway running? (${(error as Error).message})`);
    process.exitCode = 1;
    return;
  }
  const body = (await response.json()) as UsageReport | { error: { message: string } };
  if (!response.ok || 'error' in body) {
    console.error(`${response.status}: ${'error' in body ? body.error.message : response.statusText}`);
    process.exitCode = 1;
    return;
  }
  console.log(renderUsage(body));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
