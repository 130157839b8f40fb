/**
 * `npm run report -- [--date YYYY-MM-DD] [--endpoint URL] [--key KEY]`: a
 * day's usage as a table, from `GET /v1/usage` of a running gateway (local by
 * default, or a deployed one). Callers see their own usage; admins see all.
 */
import { parseArgs } from 'node:util';
import { renderUsage, type UsageReport } from '../lambda/core/usage-report';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      date: { type: 'string', default: new Date().toISOString().slice(0, 10) },
      endpoint: { type: 'string', default: process.env['SWITCHYARD_ENDPOINT'] || 'http://127.0.0.1:8787/v1' },
      key: { type: 'string', default: process.env['SWITCHYARD_KEY'] || 'local-dev' },
    },
  });
  const url = `${values.endpoint.replace(/\/+$/, '')}/usage?date=${encodeURIComponent(values.date)}`;
  let response: Response;
  try {
    response = await fetch(url, { headers: { authorization: `Bearer ${values.key}` } });
  } catch (error) {
    console.error(`Cannot reach ${values.endpoint}: is the gateway running? (${(error as Error).message})`);
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

void main();
