// One JSON POST with a hard timeout, for the alert channels. Never throws: a failure comes back as text
// that is safe to store and show (the caller redacts secrets that could appear in it).

export type PostResult =
  | { ok: true; status: number; body: string }
  /** `retryAfterMs` when the receiver asked for a pause (Retry-After header, Telegram's retry_after). */
  | { ok: false; error: string; retryAfterMs?: number };

export type FetchLike = (
  url: string,
  init: { method: string; headers: Record<string, string>; body: string; signal: AbortSignal },
) => Promise<{ status: number; headers: { get(name: string): string | null }; text(): Promise<string> }>;

export async function postJson(opts: {
  url: string;
  body: string;
  headers: Record<string, string>;
  timeoutMs: number;
  /** Aborts the request when the engine stops. */
  signal?: AbortSignal;
  fetch?: FetchLike;
}): Promise<PostResult> {
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
    });
    const text = (await res.text()).slice(0, 2_000);
    if (res.status >= 200 && res.status < 300) return { ok: true, status: res.status, body: text };
    const retryAfterMs = retryAfter(res.headers.get('retry-after'), text);
    return {
      ok: false,
      error: `HTTP ${res.status}${text ? `: ${oneLine(text).slice(0, 300)}` : ''}`,
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
