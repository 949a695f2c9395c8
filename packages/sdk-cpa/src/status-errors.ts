// Maps a non-2xx CPA answer to the right error class with a message that says what to check.
import { CpaAuthError, CpaHttpError, type CpaErrorCode, type HttpMethod } from './errors';

export interface FailedResponse {
  status: number;
  method: HttpMethod;
  url: string;
  body: string;
}

const BAN_NOTE =
  'CPA bans an IP for 30 minutes after 5 failed management-key attempts (HTTP and RESP share the count).';

/** CPA's JSON error shape is {"error": "...", "message"?: "..."}; anything else yields undefined. */
export function parseCpaErrorBody(body: string): { error: string; message?: string } | undefined {
  const trimmed = body.trim();
  if (!trimmed.startsWith('{')) return undefined;
  try {
    const parsed: unknown = JSON.parse(trimmed);
    if (typeof parsed !== 'object' || parsed === null) return undefined;
    const { error, message } = parsed as { error?: unknown; message?: unknown };
    if (typeof error !== 'string') return undefined;
    return typeof message === 'string' && message !== '' ? { error, message } : { error };
  } catch {
    return undefined;
  }
}

function describe(cpa: { error: string; message?: string } | undefined, body: string): string {
  if (cpa) return cpa.message ? `"${cpa.error}: ${cpa.message}"` : `"${cpa.error}"`;
  const snippet = body.trim().slice(0, 200);
  return snippet ? `body ${JSON.stringify(snippet)}` : 'an empty body';
}

export function errorFromResponse(res: FailedResponse): CpaHttpError {
  const { status, method, url, body } = res;
  const cpa = parseCpaErrorBody(body);
  const where = `${method} ${url}`;
  const base = { status, method, url, body, cpaError: cpa?.error };

  if (status === 401) {
    const missing = cpa?.error === 'missing management key';
    const message = missing
      ? `CPA rejected the management key (401 "missing management key") for ${where}: no key reached CPA. ` +
        "Set the management key (CPA_MANAGEMENT_KEY) to the plaintext of CPA's remote-management.secret-key " +
        '(or its MANAGEMENT_PASSWORD); a proxy in front of CPA may also be dropping the Authorization header. ' +
        BAN_NOTE
      : `CPA rejected the management key (401 ${describe(cpa, body)}) for ${where}: ` +
        "check remote-management.secret-key in CPA's config.yaml (send the plaintext, not the $2a$ bcrypt hash CPA " +
        'rewrites it to) or MANAGEMENT_PASSWORD, and the key you configured (CPA_MANAGEMENT_KEY). ' +
        BAN_NOTE;
    return new CpaAuthError({
      ...base,
      code: 'unauthorized',
      reason: missing ? 'missing_key' : 'invalid_key',
      message,
    });
  }

  if (status === 403) {
    const text = cpa?.error ?? '';
    if (/ip banned/i.test(text)) {
      const retryAfter = /try again in\s+([^\s.]+)/i.exec(text)?.[1];
      return new CpaAuthError({
        ...base,
        code: 'ip_banned',
        reason: 'ip_banned',
        retryAfter,
        message:
          `CPA has banned this IP after too many failed management-key attempts (403 "${text}") for ${where}. ` +
          (retryAfter ? `Try again in ${retryAfter}. ` : '') +
          'Fix the key first (CPA_MANAGEMENT_KEY must match remote-management.secret-key): every further attempt ' +
          'with a wrong key gains nothing but another ban. Restarting CPA also clears the ban.',
      });
    }
    if (/remote management disabled/i.test(text)) {
      return new CpaAuthError({
        ...base,
        code: 'remote_management_disabled',
        reason: 'remote_disabled',
        message:
          `CPA refused remote management (403 "${text}") for ${where}: set remote-management.allow-remote: true ` +
          "in CPA's config.yaml (or MANAGEMENT_PASSWORD), or connect from localhost (127.0.0.1 / ::1).",
      });
    }
    return new CpaAuthError({
      ...base,
      code: 'forbidden',
      reason: 'forbidden',
      message:
        `CPA refused management access (403 ${describe(cpa, body)}) for ${where}. ` +
        (text === 'remote management key not set'
          ? "Configure remote-management.secret-key in CPA's config.yaml."
          : 'If a reverse proxy sits in front of CPA, check its access rules.'),
    });
  }

  if (status === 404) {
    if (!cpa) {
      return new CpaHttpError({
        ...base,
        code: 'management_disabled',
        message:
          `CPA answered 404 for ${where} without an error body: the management API is disabled ` +
          '(no remote-management.secret-key or MANAGEMENT_PASSWORD configured in CPA), this CPA is too old for the route, ' +
          'or the base URL is wrong (give CPA\'s root URL; "/v0/management" is appended).',
      });
    }
    return new CpaHttpError({
      ...base,
      code: 'not_found',
      message: `CPA: ${describe(cpa, body)} (404) for ${where}.`,
    });
  }

  const code: CpaErrorCode = status === 400 ? 'bad_request' : 'http_error';
  const hint =
    status === 502 || status === 503 || status === 504
      ? ' CPA (or a proxy in front of it) is unavailable or overloaded; try again later.'
      : status === 400
        ? ' Check the arguments of this call.'
        : '';
  return new CpaHttpError({
    ...base,
    code,
    message: `CPA answered ${status} to ${where} with ${describe(cpa, body)}.${hint}`,
  });
}
