/** CPA's management authentication (handler.go AuthenticateManagementKey), shared by HTTP and RESP. */

const MAX_FAILURES = 5;
const BAN_MS = 30 * 60 * 1000;

export type AuthResult = { ok: true } | { ok: false; status: 401 | 403; message: string };

interface Attempt {
  count: number;
  blockedUntil: number; // 0 = not banned
}

export interface AuthConfig {
  key(): string;
  allowRemote(): boolean;
  now(): number;
  onFailure(): void;
}

/** Go's time.Duration.String() for a whole number of seconds (e.g. 29m12s, 30m0s, 45s, 1h0m0s). */
export function goDuration(totalSeconds: number): string {
  const s = Math.max(0, Math.round(totalSeconds));
  if (s === 0) return '0s';
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  if (h > 0) return `${h}h${m}m${sec}s`;
  if (m > 0) return `${m}m${sec}s`;
  return `${sec}s`;
}

export const BAN_PREFIX = 'IP banned due to too many failed attempts';

export class ManagementAuth {
  private readonly attempts = new Map<string, Attempt>();

  constructor(private readonly cfg: AuthConfig) {}

  authenticate(clientIp: string, local: boolean, provided: string): AuthResult {
    const now = this.cfg.now();
    const a = this.attempts.get(clientIp);
    // The ban check comes before the allow-remote check, as in CPA.
    if (a && a.blockedUntil !== 0) {
      if (now < a.blockedUntil) {
        const remaining = goDuration((a.blockedUntil - now) / 1000);
        return { ok: false, status: 403, message: `${BAN_PREFIX}. Try again in ${remaining}` };
      }
      a.blockedUntil = 0;
      a.count = 0;
    }
    if (!local && !this.cfg.allowRemote()) {
      return { ok: false, status: 403, message: 'remote management disabled' };
    }
    if (provided === '') {
      this.fail(clientIp, now);
      return { ok: false, status: 401, message: 'missing management key' };
    }
    if (provided !== this.cfg.key()) {
      this.fail(clientIp, now);
      return { ok: false, status: 401, message: 'invalid management key' };
    }
    const cur = this.attempts.get(clientIp);
    if (cur) {
      cur.count = 0;
      cur.blockedUntil = 0;
    }
    return { ok: true };
  }

  bannedIps(): string[] {
    const now = this.cfg.now();
    return [...this.attempts.entries()].filter(([, a]) => a.blockedUntil > now).map(([ip]) => ip);
  }

  private fail(ip: string, now: number): void {
    this.cfg.onFailure();
    let a = this.attempts.get(ip);
    if (!a) {
      a = { count: 0, blockedUntil: 0 };
      this.attempts.set(ip, a);
    }
    a.count++;
    if (a.count >= MAX_FAILURES) {
      a.blockedUntil = now + BAN_MS;
      a.count = 0;
    }
  }
}

/** The key a management request carries (Middleware): Authorization wins, then X-Management-Key. */
export function providedKey(authorization: string | undefined, xManagementKey: string | undefined): string {
  let provided = '';
  if (authorization) {
    const sp = authorization.indexOf(' ');
    if (sp >= 0 && authorization.slice(0, sp).toLowerCase() === 'bearer')
      provided = authorization.slice(sp + 1);
    else provided = authorization;
  }
  if (provided === '') provided = xManagementKey ?? '';
  return provided;
}

function validIp(s: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(s) || (s.includes(':') && /^[0-9a-fA-F:.]+$/.test(s));
}

function fromHeader(value: string | undefined): string | null {
  if (!value) return null;
  const items = value.split(',');
  // gin walks right to left; every proxy is trusted by default, so the leftmost valid IP wins.
  for (let i = items.length - 1; i >= 0; i--) {
    const ip = (items[i] ?? '').trim();
    if (!validIp(ip)) return null;
    if (i === 0) return ip;
  }
  return null;
}

export function normalizeIp(raw: string | undefined): string {
  const ip = raw ?? '';
  return ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice(7) : ip;
}

/** gin's c.ClientIP() with default settings: X-Forwarded-For, then X-Real-IP, then the TCP peer. */
export function ginClientIp(
  headers: Record<string, string | string[] | undefined>,
  peer: string | undefined,
): string {
  const h = (name: string) => {
    const v = headers[name];
    return Array.isArray(v) ? v[0] : v;
  };
  return fromHeader(h('x-forwarded-for')) ?? fromHeader(h('x-real-ip')) ?? normalizeIp(peer);
}

export function isLocalIp(ip: string): boolean {
  return ip === '127.0.0.1' || ip === '::1';
}
