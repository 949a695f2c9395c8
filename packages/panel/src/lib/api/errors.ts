// One error type for everything the panel's API layer can throw. `code` is a closed union so the UI can
// map each case to a plain-language message with the fix (see describeError in ../i18n/describe-error.ts).
export type PanelErrorCode =
  | 'unauthorized' // 401 invalid key
  | 'missing-key' // 401 no key sent
  | 'remote-disabled' // 403 remote management disabled
  | 'banned' // 403 IP banned, `wait` says for how long
  | 'forbidden' // other 403
  | 'management-disabled' // 404 on a core route: no secret-key configured
  | 'not-found' // 404 on an optional route: this CPA does not have the feature
  | 'bad-request' // 400/422 with CPA's message in `detail`
  | 'too-many-attempts' // 429 from the cpamp server's admin-key guard, `wait` from Retry-After
  | 'server' // 5xx
  | 'network' // fetch failed: DNS, refused, CORS, offline
  | 'timeout'
  | 'invalid-response'; // 2xx but the body did not match the schema

export interface PanelErrorInit {
  code: PanelErrorCode;
  url: string;
  status?: number;
  detail?: string;
  wait?: string;
  cause?: unknown;
}

export class PanelError extends Error {
  readonly code: PanelErrorCode;
  readonly url: string;
  readonly status: number | undefined;
  readonly detail: string | undefined;
  readonly wait: string | undefined;

  constructor(init: PanelErrorInit) {
    super(defaultMessage(init), { cause: init.cause });
    this.name = 'PanelError';
    this.code = init.code;
    this.url = init.url;
    this.status = init.status;
    this.detail = init.detail;
    this.wait = init.wait;
  }
}

export function isPanelError(e: unknown): e is PanelError {
  return e instanceof PanelError;
}

/** True when the request was cancelled on purpose (page left, newer request started). */
export function isAbort(e: unknown): boolean {
  return e instanceof DOMException && e.name === 'AbortError';
}

function defaultMessage(i: PanelErrorInit): string {
  const where = `${i.url}${i.status ? ` (HTTP ${i.status})` : ''}`;
  return `${i.code} at ${where}${i.detail ? `: ${i.detail}` : ''}`;
}

/** Maps an HTTP failure to an error code using CPA's documented bodies (`{"error": "..."}`). */
export function errorFromResponse(url: string, status: number, body: string, coreRoute: boolean, retryAfter: string | null = null): PanelError {
  const detail = extractMessage(body);
  const lower = detail.toLowerCase();
  if (status === 429) return new PanelError({ code: 'too-many-attempts', url, status, detail, wait: retryAfter ? `${retryAfter} s` : '' });
  if (status === 401) {
    return new PanelError({ code: lower.includes('missing') ? 'missing-key' : 'unauthorized', url, status, detail });
  }
  if (status === 403) {
    if (lower.includes('banned')) {
      const m = /try again in\s+([0-9hms.]+)/i.exec(detail);
      return new PanelError({ code: 'banned', url, status, detail, wait: m?.[1] ?? '' });
    }
    if (lower.includes('remote management')) return new PanelError({ code: 'remote-disabled', url, status, detail });
    return new PanelError({ code: 'forbidden', url, status, detail });
  }
  if (status === 404) return new PanelError({ code: coreRoute ? 'management-disabled' : 'not-found', url, status, detail });
  if (status === 400 || status === 409 || status === 422) return new PanelError({ code: 'bad-request', url, status, detail });
  return new PanelError({ code: 'server', url, status, detail });
}

function extractMessage(body: string): string {
  const trimmed = body.trim();
  if (!trimmed) return '';
  try {
    const parsed: unknown = JSON.parse(trimmed);
    if (parsed && typeof parsed === 'object') {
      const o = parsed as Record<string, unknown>;
      const parts = [o['error'], o['message']].filter((v): v is string => typeof v === 'string' && v.length > 0);
      if (parts.length) return parts.join(': ');
    }
  } catch {
    // not JSON: fall through to the raw text
  }
  return trimmed.slice(0, 300);
}
