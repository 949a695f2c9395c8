// Price files fetched from an admin-given URL (LiteLLM's JSON, ~1.5 MB): loopback and link-local targets
// refused unless allowed, redirects not followed, at most MAX_PRICE_FILE_BYTES read, and on failure only the
// status is reported, never the answer's text.
import { ServerError } from '../errors';
import { refuseLocalTarget } from './outbound-target';

export const MAX_PRICE_FILE_BYTES = 32 * 1024 * 1024;

export async function fetchPriceFile(url: string, opts: { timeoutMs: number; allowLocalTargets: boolean; maxBytes?: number }): Promise<unknown> {
  const fail = (why: string): never => {
    throw new ServerError('price_source_failed', `Could not read prices from ${url}: ${why}. Offline? Download model_prices_and_context_window.json and sync from the file.`);
  };
  const refused = await refuseLocalTarget(url, opts.allowLocalTargets);
  if (refused !== null) fail(refused);
  const maxBytes = opts.maxBytes ?? MAX_PRICE_FILE_BYTES;
  let res: Response;
  try {
    res = await fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(opts.timeoutMs) });
  } catch (error) {
    const e = error as Error & { cause?: { code?: string } };
    return fail(e.name === 'TimeoutError' ? `no answer within ${opts.timeoutMs} ms` : e.cause?.code ?? e.message);
  }
  if (res.status >= 300 && res.status < 400) {
    await res.body?.cancel();
    return fail(`HTTP ${res.status} (a redirect; use the final URL)`);
  }
  if (!res.ok) {
    await res.body?.cancel();
    return fail(`HTTP ${res.status}`);
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = res.body?.getReader();
  for (;;) {
    const next = reader ? await reader.read() : { done: true as const, value: undefined };
    if (next.done) break;
    size += next.value.byteLength;
    if (size > maxBytes) {
      await reader?.cancel();
      return fail(`the file is larger than ${Math.round(maxBytes / 1024 / 1024)} MiB`);
    }
    chunks.push(next.value);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    return fail('the answer is not JSON');
  }
}
