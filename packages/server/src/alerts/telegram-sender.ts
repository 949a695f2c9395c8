// Telegram Bot API sendMessage. The bot token lives in the URL path, so every error text is redacted
// before it is logged or stored.
import { postJson, type FetchLike, type PostResult } from './http-post';

export const DEFAULT_TELEGRAM_API = 'https://api.telegram.org';

export function redactToken(text: string, token: string | null): string {
  let out = token ? text.split(token).join('<redacted>') : text;
  out = out.replace(/bot\d+:[A-Za-z0-9_-]+/g, 'bot<redacted>');
  return out;
}

export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export async function sendTelegram(opts: {
  apiBaseUrl: string | undefined;
  token: string;
  chatId: string;
  text: string;
  timeoutMs: number;
  signal?: AbortSignal;
  fetch?: FetchLike;
  allowLocalTargets?: boolean;
}): Promise<PostResult> {
  const base = (opts.apiBaseUrl || DEFAULT_TELEGRAM_API).replace(/\/+$/, '');
  const body = JSON.stringify({ chat_id: opts.chatId, text: opts.text, parse_mode: 'HTML', disable_web_page_preview: true });
  const r = await postJson({ url: `${base}/bot${opts.token}/sendMessage`, body, headers: {}, timeoutMs: opts.timeoutMs, signal: opts.signal, fetch: opts.fetch, allowLocalTargets: opts.allowLocalTargets });
  if (!r.ok) return { ...r, error: redactToken(r.error, opts.token) };
  // Telegram answers 200 with {ok:false} in a few cases; treat that as a failure too.
  try {
    const parsed = JSON.parse(r.body) as { ok?: unknown; description?: unknown };
    if (parsed.ok === false) return { ok: false, error: redactToken(`Telegram refused: ${String(parsed.description ?? 'unknown reason')}`, opts.token) };
  } catch {
    // Not JSON: a 2xx from a proxy; accept it.
  }
  return r;
}
