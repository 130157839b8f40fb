/**
 * `npx switchyard smoke --endpoint URL --key KEY`: after a deploy, one request
 * per tier and one forced fallback through the deployed gateway, each printed
 * with what decided it and what it cost. Real calls, real (small) spend: about
 * 20 output tokens per request.
 */
import { FORCE_FALLBACK_HEADER } from '../../lambda/core/execution/forced-fallback';

export interface SmokeStep {
  readonly name: string;
  readonly status: number;
  readonly ok: boolean;
  readonly latencyMs: number;
  /** The `x-switchyard-*` headers: tier, model, attempts, fallback path, cost. */
  readonly headers: Readonly<Record<string, string>>;
  /** The error message, when the step failed. */
  readonly error?: string;
}

export interface SmokeOptions {
  /** The API's base URL, ending in `/v1`. */
  readonly endpoint: string;
  readonly key: string;
  readonly fetch?: typeof fetch;
  /** How long one request may take. @default 60000 */
  readonly timeoutMs?: number;
}

const STEP_TIMEOUT_MS = 60_000;

const PROMPT = 'Reply with the single word: ready';

export async function runSmoke(options: SmokeOptions): Promise<SmokeStep[]> {
  const base = options.endpoint.replace(/\/+$/, '');
  const send = options.fetch ?? fetch;
  const step = async (name: string, model: string, extraHeaders: Record<string, string> = {}, check?: (headers: Record<string, string>) => string | undefined): Promise<SmokeStep> => {
    const started = performance.now();
    let response: Response;
    let text: string;
    try {
      response = await send(`${base}/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${options.key}`, 'content-type': 'application/json', ...extraHeaders },
        body: JSON.stringify({ model, messages: [{ role: 'user', content: PROMPT }], max_tokens: 20 }),
        signal: AbortSignal.timeout(options.timeoutMs ?? STEP_TIMEOUT_MS),
      });
      text = await response.text();
    } catch (error) {
      // No answer at all (DNS, TLS, refused, timed out) fails this step, not the run.
      const cause = (error as { cause?: { code?: string } }).cause?.code;
      return { name, status: 0, ok: false, latencyMs: Math.round(performance.now() - started), headers: {}, error: `no answer: ${(error as Error).message}${cause ? ` (${cause})` : ''}` };
    }
    const headers = Object.fromEntries([...response.headers].filter(([header]) => header.startsWith('x-switchyard-')));
    const latencyMs = Math.round(performance.now() - started);
    if (!response.ok) {
      return { name, status: response.status, ok: false, latencyMs, headers, error: errorMessage(text) };
    }
    const problem = check?.(headers);
    return { name, status: response.status, ok: problem === undefined, latencyMs, headers, ...(problem ? { error: problem } : {}) };
  };

  const steps: SmokeStep[] = [];
  for (const tier of [0, 1, 2, 3]) steps.push(await step(`tier ${tier}`, `tier-${tier}`));
  steps.push(
    await step('forced fallback', 'tier-1', { [FORCE_FALLBACK_HEADER]: 'true' }, (headers) => {
      const path = (headers['x-switchyard-fallback-path'] ?? '').split(',');
      return path.length >= 2 && path[0] !== path.at(-1) ? undefined : `the answer did not come from a second model (fallback path: ${path.join(' -> ') || 'none'})`;
    }),
  );
  return steps;
}

function errorMessage(text: string): string {
  try {
    return (JSON.parse(text) as { error?: { message?: string } }).error?.message ?? text.slice(0, 300);
  } catch {
    return text.slice(0, 300);
  }
}

export function renderSmoke(steps: readonly SmokeStep[]): string {
  const lines = steps.map((step) => {
    const header = (name: string) => step.headers[`x-switchyard-${name}`] ?? '-';
    const head = `${step.ok ? 'ok  ' : 'FAIL'}  ${step.name.padEnd(16)} ${String(step.status).padEnd(4)} ${String(step.latencyMs).padStart(6)} ms`;
    const detail = `model=${header('model')} tier=${header('tier')} attempts=${header('attempts')} path=${header('fallback-path')} cost=$${header('cost-usd')}`;
    return `${head}  ${detail}${step.error ? `\n        ${step.error}` : ''}`;
  });
  const failed = steps.filter((step) => !step.ok).length;
  lines.push('', failed === 0 ? 'The gateway answers on every tier and falls back.' : `${failed} of ${steps.length} checks failed.`);
  return lines.join('\n');
}
