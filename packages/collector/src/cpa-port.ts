// The slice of an @cpamp/sdk-cpa client the collector uses (structural, so tests can pass stubs),
// and the mapping of any transport/CPA failure onto the collector's closed error codes.
import { CollectorAuthError, CollectorError, CollectorUnsupportedError, type CollectorErrorCode } from './errors';
import { clipText } from './clip-text';

export interface CollectorCpa {
  getServerVersion(opts?: { refresh?: boolean; signal?: AbortSignal }): Promise<{ version: string | null }>;
  usageQueue: { pop(count: number, opts?: { signal?: AbortSignal }): Promise<unknown[]> };
  config: {
    get(opts?: { signal?: AbortSignal }): Promise<Record<string, unknown>>;
    getUsageStatisticsEnabled(): Promise<boolean>;
    setUsageStatisticsEnabled(v: boolean): Promise<void>;
  };
}

export type ErrorClass = 'unsupported' | 'auth' | 'transient';

type Classified = { cls: ErrorClass; error: CollectorError };

interface ErrorLike {
  code?: unknown;
  status?: unknown;
  statusCode?: unknown;
  reason?: unknown;
  retryAfter?: unknown;
  cpaError?: unknown;
  message?: unknown;
}

const HTTP_ON_RESP = /unknown resp type \d+ "H"|unsupported resp prefix '?H'?|^HTTP\/1\.[01] /i;
const UNKNOWN_COMMAND = /unknown command|RESP AUTH disabled|redis usage output disabled/i;
const BANNED = /IP banned[^.]*\.?\s*Try again in\s+([0-9hms.]+)/i;

/** Parses Go durations like '29m12s' / '1h2m3.5s' into ms. */
export function parseGoDuration(text: string): number | null {
  const re = /(\d+(?:\.\d+)?)(h|ms|m|s)/g;
  let total = 0;
  let found = false;
  for (const m of text.matchAll(re)) {
    found = true;
    const v = Number(m[1]);
    total += m[2] === 'h' ? v * 3_600_000 : m[2] === 'm' ? v * 60_000 : m[2] === 's' ? v * 1000 : v;
  }
  return found ? Math.round(total) : null;
}

/** Classifies an error from sdk-cpa, ioredis or the network for a transport. */
export function classifyError(e: unknown, transport: string, nowMs: number): Classified {
  const auth = (
    code: 'auth_rejected' | 'remote_disabled' | 'ip_banned',
    text: string,
    bannedUntilMs?: number,
  ) =>
    ({
      cls: 'auth',
      error: new CollectorAuthError(code, text, { cause: e, bannedUntilMs }),
    }) satisfies Classified;
  const unsupported = (text: string) =>
    ({
      cls: 'unsupported',
      error: new CollectorUnsupportedError(transport, text, { cause: e }),
    }) satisfies Classified;
  if (e instanceof CollectorUnsupportedError) return { cls: 'unsupported', error: e };
  if (e instanceof CollectorAuthError) return { cls: 'auth', error: e };
  if (e instanceof CollectorError) return { cls: 'transient', error: e };
  const x = (typeof e === 'object' && e !== null ? e : {}) as ErrorLike;
  const message = typeof x.message === 'string' ? x.message : String(e);
  const status =
    typeof x.status === 'number' ? x.status : typeof x.statusCode === 'number' ? x.statusCode : undefined;
  const code = typeof x.code === 'string' ? x.code : '';

  // CPA's IP ban / key / allow-remote answers — over HTTP (sdk-cpa CpaAuthError) or RESP (-ERR …)
  const banned = BANNED.exec(message) ?? (typeof x.cpaError === 'string' ? BANNED.exec(x.cpaError) : null);
  if (code === 'ip_banned' || banned) {
    const wait =
      parseGoDuration(typeof x.retryAfter === 'string' ? x.retryAfter : (banned?.[1] ?? '')) ?? 30 * 60_000;
    const until = nowMs + wait;
    return auth(
      'ip_banned',
      `CPA has banned this host after too many failed logins until ${new Date(until).toISOString()}. Fix the management key; the collector will not retry before the ban ends.`,
      until,
    );
  }
  if (code === 'remote_management_disabled' || /remote management disabled/i.test(message)) {
    return auth(
      'remote_disabled',
      'CPA refused remote management access (allow-remote is false). Set remote-management.allow-remote: true in CPA config.yaml, or run the collector on the CPA host.',
    );
  }
  if (
    code === 'unauthorized' ||
    code === 'forbidden' ||
    status === 401 ||
    status === 403 ||
    /invalid management key|missing management key|NOAUTH|remote management key not set/i.test(message)
  ) {
    return auth(
      'auth_rejected',
      `CPA rejected the management key (${transport}: ${clipText(message, 160)}). Set the correct CPA management key; the collector stopped retrying so CPA does not ban this host.`,
    );
  }
  if (status === 404 || status === 405 || status === 501 || code === 'management_disabled') {
    return unsupported(
      `CPA answered ${status ?? 404} for the ${transport} transport: this CPA does not offer it (HTTP usage queue needs CPA v6.10.8+, and a management secret must be configured).`,
    );
  }
  if (HTTP_ON_RESP.test(message)) {
    return unsupported(
      `An HTTP server answered the RESP connection (unsupported RESP prefix 'H'): RESP cannot pass through an HTTP reverse proxy. Point the collector at CPA's port directly, or use mode 'http'/'auto'.`,
    );
  }
  if (UNKNOWN_COMMAND.test(message)) {
    return unsupported(
      `CPA does not support the ${transport} transport (${clipText(message, 160)}). SUBSCRIBE needs CPA v7.0.7+, RESP pop v6.9.38+, and v7.1.17 disabled RESP entirely.`,
    );
  }
  const unreachable =
    code === 'network_error' ||
    code === 'timeout' ||
    /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENOTFOUND|Connection is closed|socket hang up|connect/i.test(
      message,
    );
  return {
    cls: 'transient',
    error: new CollectorError(
      unreachable ? 'cpa_unreachable' : 'cpa_error',
      unreachable
        ? `Cannot reach CPA (${transport}): ${clipText(message, 400)}. Check that CPA is running and the URL is right from the collector's network; retrying with backoff.`
        : `CPA ${transport} error: ${clipText(message, 400)}. Retrying with backoff.`,
      { cause: e },
    ),
  };
}

/** Plain-language hint for a status error code (shown next to lastError). */
export function hintFor(code: CollectorErrorCode): string {
  switch (code) {
    case 'auth_rejected':
      return 'The CPA management key is wrong or missing. Update it in the collector settings; retries are paused to avoid CPA banning this IP.';
    case 'remote_disabled':
      return "CPA only accepts management calls from localhost. Set remote-management.allow-remote: true in CPA's config.yaml.";
    case 'ip_banned':
      return 'CPA banned this IP for 30 minutes after 5 failed logins (shared with the CPA panel). Fix the key and wait for the ban to end.';
    case 'cpa_unreachable':
      return 'CPA is not reachable at the configured URL from this machine (inside Docker, 127.0.0.1 is the container itself). Check the URL and that CPA runs.';
    case 'transport_unsupported':
      return "This CPA version or network path does not support the chosen transport. Use mode 'auto', or upgrade CPA (v6.10.8+ for the HTTP queue).";
    case 'sink_failed':
      return 'Records arrive from CPA but cannot be written (disk full, read-only, locked database). They are held and spooled, and written when storage recovers.';
    case 'spool_failed':
      return 'The spool file in the data directory cannot be written: free disk space or fix permissions.';
    case 'subscriber_dropped':
      return 'CPA dropped the subscription because the collector read too slowly (256-record buffer); it resubscribed at once, a gap was recorded.';
    case 'protocol_error':
      return 'CPA sent something the collector did not understand; check the CPA version.';
    default:
      return 'See lastError.message for details.';
  }
}
