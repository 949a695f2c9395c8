// Generic webhook: POST the JSON payload, signed with HMAC-SHA256 over the raw body when a secret is set.
// Receivers verify `X-Cpamp-Signature: sha256=<hex>` and may reject stale `X-Cpamp-Timestamp` values.
import { createHmac } from 'node:crypto';
import { postJson, type FetchLike, type PostResult } from './http-post';

export const SIGNATURE_HEADER = 'x-cpamp-signature';
export const TIMESTAMP_HEADER = 'x-cpamp-timestamp';
export const EVENT_HEADER = 'x-cpamp-event';

export function signBody(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

export async function sendWebhook(opts: {
  url: string;
  secret: string | null;
  body: string;
  event: string;
  sentAtMs: number;
  timeoutMs: number;
  signal?: AbortSignal;
  fetch?: FetchLike;
  allowLocalTargets?: boolean;
}): Promise<PostResult> {
  const headers: Record<string, string> = { [TIMESTAMP_HEADER]: String(opts.sentAtMs), [EVENT_HEADER]: opts.event };
  if (opts.secret) headers[SIGNATURE_HEADER] = signBody(opts.secret, opts.body);
  const r = await postJson({ url: opts.url, body: opts.body, headers, timeoutMs: opts.timeoutMs, signal: opts.signal, fetch: opts.fetch, allowLocalTargets: opts.allowLocalTargets });
  // A webhook secret never appears in a URL or an answer we keep, but be safe if a receiver echoes it.
  return r.ok || !opts.secret ? r : { ...r, error: r.error.split(opts.secret).join('<redacted>') };
}
