// One JSON POST with a hard timeout, for the alert channels. Never throws: a failure comes back as text
// that is safe to store and show (the caller redacts secrets that could appear in it). Redirects are not
// followed, at most 64 KiB of an answer is read, and of a failed answer only a short JSON error message is
// kept: an admin-chosen URL must not turn into a way to read internal pages.
import { refuseLocalTarget } from '../net/outbound-target';

const MAX_ANSWER_BYTES = 64 * 1024;

export type PostResult =
  | { ok: true; status: number; body: string }
  /** `retryAfterMs` when the receiver asked for a pause (Retry-After header, Telegram's retry_after). */
  | { ok: false; error: string; retryAfterMs?: number };

export type FetchLike = (
  url: string,
  init: { method: string; headers: Record<string, string>; body: string; signal: AbortSignal; redirect: 'manual' },
) => Promise<{ status: number; headers: { get(name: string): string | null }; body: ReadableStream<Uint8Array> | null }>;

export async function postJson(opts: {
  url: string;
  body: string;
  headers: Record<string, string>;
  timeoutMs: number;
  /** Aborts the request when the engine stops. */
  signal?: AbortSignal;
  fetch?: FetchLike;
  /** Allow loopback / link-local targets (CPAMP_ALLOW_LOCAL_TARGETS). */
  allowLocalTargets?: boolean;
}): Promise<PostResult> {
  const refused = await refuseLocalTarget(opts.url, opts.allowLocalTargets ?? false);
  if (refused !== null) return { ok: false, error: `not sent: ${refused}` };
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, opts.timeoutMs);
  const onStop = () => controller.abort();
  if (opts.signal?.aborted) controller.abort();
  else opts.signal?.addEventListener('abort', onStop, { once: true });
  try {
    const doFetch: FetchLike = opts.fetch ?? ((url, init) => fetch(url, init));
    const res = await doFetch(opts.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'cpamp-alerts', ...opts.headers },
      body: opts.body,
      signal: controller.signal,
      redirect: 'manual',
    });
    const text = (await readCapped(res.body, MAX_ANSWER_BYTES)).slice(0, 2_000);
    if (res.status >= 200 && res.status < 300) return { ok: true, status: res.status, body: text };
    if (res.status >= 300 && res.status < 400) return { ok: false, error: `HTTP ${res.status}: the receiver redirects; redirects are not followed, use the final URL` };
    const retryAfterMs = retryAfter(res.headers.get('retry-after'), text);
    const message = errorMessage(text);
    return {
      ok: false,
      error: `HTTP ${res.status}${message ? `: ${message}` : ''}`,
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    };
  } catch (err) {
    if (timedOut) return { ok: false, error: `no answer within ${opts.timeoutMs} ms (timeout)` };
    if (opts.signal?.aborted) return { ok: false, error: 'aborted: the server is shutting down' };
    const e = err as Error & { cause?: { code?: string; message?: string } };
    const cause = e.cause?.code ?? e.cause?.message;
    return { ok: false, error: `${e.message}${cause ? ` (${cause})` : ''}` };
  } finally {
    clearTimeout(timer);
    opts.signal?.removeEventListener('abort', onStop);
  }
}

function retryAfter(header: string | null, body: string): number | undefined {
  const secs = header !== null && /^\d+$/.test(header.trim()) ? Number(header.trim()) : undefined;
  if (secs !== undefined) return secs * 1000;
  try {
    const p = (JSON.parse(body) as { parameters?: { retry_after?: unknown } }).parameters?.retry_after;
    return typeof p === 'number' && p >= 0 ? p * 1000 : undefined;
  } catch {
    return undefined;
  }
}

function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}

async function readCapped(body: ReadableStream<Uint8Array> | null, maxBytes: number): Promise<string> {
  if (!body) return '';
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < maxBytes) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return Buffer.concat(chunks).subarray(0, maxBytes).toString('utf8');
}

/** A receiver's own short error message (JSON `description`, `message` or `error`), never a page. */
function errorMessage(text: string): string {
  try {
    const json = JSON.parse(text) as Record<string, unknown>;
    for (const field of ['description', 'message', 'error']) {
      const v = json[field];
      if (typeof v === 'string' && v.trim() !== '') return oneLine(v).slice(0, 200);
    }
  } catch {
    // not JSON: say nothing of it
  }
  return '';
}
