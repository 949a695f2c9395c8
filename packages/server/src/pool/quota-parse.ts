// Provider quota probes (what CPA's panel sends through /api-call; docs/design.md, "Auth files") and the
// parsers that turn their answers — or the rate-limit headers of ordinary usage rows — into quota windows.
// Pure: no I/O, the clock comes in as an argument. Antigravity, Kimi and xAI live in provider-probes.ts.
import { extraProbeRequest, parseAntigravityQuota, parseKimiUsage, parseXaiBilling, xaiFailureOutcome, type ProbeContext } from './provider-probes';

export interface ParsedWindow {
  window: string;
  usedPercent: number | null;
  remainingPercent: number | null;
  resetAtMs: number | null;
  windowSeconds: number | null;
}

export type ProbeResultKind = 'ok' | 'unauthorized' | 'exhausted' | 'banned' | 'error';

export interface ProbeOutcome {
  result: ProbeResultKind;
  /** The upstream (inner) status code, or null when CPA itself failed. */
  httpStatus: number | null;
  detail: string;
  windows: ParsedWindow[];
  /** When an exhausted account gets quota back (the binding window's reset). */
  resetAtMs: number | null;
  /** The 401 is an expired token (reauth), not a revoked one. */
  expired: boolean;
  plan: string | null;
}

export interface ProbeRequest {
  method: string;
  url: string;
  header: Record<string, string>;
  data?: string;
}

export const CODEX_USAGE_URL = 'https://chatgpt.com/backend-api/wham/usage';
export const CLAUDE_USAGE_URL = 'https://api.anthropic.com/api/oauth/usage';
export const CODEX_USER_AGENT = 'codex_cli_rs/0.76.0 (Debian 13.0.0; x86_64) WindowsTerminal';

/** Providers cpamp can probe for quota through CPA's api-call. */
export const PROBE_PROVIDERS = ['codex', 'claude', 'antigravity', 'kimi', 'xai'] as const;

/** The probe for one account, or null when the provider has no quota endpoint we know. */
export function probeRequest(provider: string, chatgptAccountId: string | null, ctx: ProbeContext = {}): ProbeRequest | null {
  if (provider === 'codex') {
    const header: Record<string, string> = {
      Authorization: 'Bearer $TOKEN$',
      'Content-Type': 'application/json',
      'User-Agent': CODEX_USER_AGENT,
    };
    // Without it the usage endpoint answers for the wrong workspace (pitfall 19).
    if (chatgptAccountId) header['Chatgpt-Account-Id'] = chatgptAccountId;
    return { method: 'GET', url: CODEX_USAGE_URL, header };
  }
  if (provider === 'claude') {
    return {
      method: 'GET',
      url: CLAUDE_USAGE_URL,
      header: { Authorization: 'Bearer $TOKEN$', 'anthropic-beta': 'oauth-2025-04-20', 'Content-Type': 'application/json' },
    };
  }
  return extraProbeRequest(provider, ctx);
}

/** '5h', 'weekly', 'monthly' or '<n>h' / '<n>m' from a window length. */
export function windowName(seconds: number | null | undefined, fallback: string): string {
  if (!seconds || !Number.isFinite(seconds) || seconds <= 0) return fallback;
  if (seconds === 18_000) return '5h';
  if (seconds === 604_800) return 'weekly';
  if (seconds >= 28 * 86_400 && seconds <= 31 * 86_400) return 'monthly';
  if (seconds === 86_400) return 'daily';
  if (seconds % 3600 === 0) return `${seconds / 3600}h`;
  return `${Math.round(seconds / 60)}m`;
}

const clampPct = (v: number): number => Math.max(0, Math.min(100, Math.round(v * 100) / 100));
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const toNum = (v: unknown): number | null => {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return null;
};
function toMs(v: unknown): number | null {
  const n = toNum(v);
  if (n !== null) return n < 1e11 ? n * 1000 : n;
  if (typeof v === 'string') {
    const t = Date.parse(v);
    return Number.isFinite(t) ? t : null;
  }
  return null;
}

function pctWindow(name: string, used: number | null, resetAtMs: number | null, seconds: number | null): ParsedWindow {
  const u = used === null ? null : clampPct(used);
  return { window: name, usedPercent: u, remainingPercent: u === null ? null : clampPct(100 - u), resetAtMs, windowSeconds: seconds };
}

function parseJson(body: string): unknown {
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return undefined;
  }
}

/** Codex `wham/usage`: rate_limit.primary_window / secondary_window. */
export function parseCodexUsage(body: unknown, nowMs: number): { windows: ParsedWindow[]; limitReached: boolean; plan: string | null } {
  const out: ParsedWindow[] = [];
  if (!isObj(body)) return { windows: out, limitReached: false, plan: null };
  const rl = isObj(body.rate_limit) ? body.rate_limit : {};
  const one = (w: unknown, fallback: string) => {
    if (!isObj(w)) return;
    const seconds = toNum(w.limit_window_seconds);
    const resetAt = toMs(w.reset_at) ?? (toNum(w.reset_after_seconds) !== null ? nowMs + (toNum(w.reset_after_seconds) as number) * 1000 : null);
    out.push(pctWindow(windowName(seconds, fallback), toNum(w.used_percent), resetAt, seconds));
  };
  one(rl.primary_window, '5h');
  one(rl.secondary_window, 'weekly');
  const limitReached = rl.limit_reached === true || rl.allowed === false || out.some((w) => (w.usedPercent ?? 0) >= 100);
  return { windows: out, limitReached, plan: typeof body.plan_type === 'string' ? body.plan_type : null };
}

/** Claude `api/oauth/usage`: five_hour / seven_day (+ model-scoped weekly windows), utilization 0..100. */
export function parseClaudeUsage(body: unknown): ParsedWindow[] {
  const out: ParsedWindow[] = [];
  if (!isObj(body)) return out;
  const names: [string, string, number][] = [
    ['five_hour', '5h', 18_000],
    ['seven_day', 'weekly', 604_800],
    ['seven_day_opus', 'weekly-opus', 604_800],
    ['seven_day_sonnet', 'weekly-sonnet', 604_800],
  ];
  for (const [key, name, seconds] of names) {
    const w = body[key];
    if (!isObj(w)) continue;
    out.push(pctWindow(name, toNum(w.utilization), toMs(w.resets_at), seconds));
  }
  return out;
}

/** A `usage_limit_reached`-style error (Codex) anywhere in a JSON body: the reset time, or null. */
export function usageLimitReset(text: string | null | undefined, nowMs: number): { resetAtMs: number | null } | null {
  if (!text) return null;
  const json = parseJson(text);
  const err = isObj(json) ? (isObj(json.error) ? json.error : json) : null;
  if (err && (err.type === 'usage_limit_reached' || err.code === 'usage_limit_reached' || err.type === 'usage_not_included')) {
    const at = toMs(err.resets_at);
    const inS = toNum(err.resets_in_seconds);
    return { resetAtMs: at ?? (inS !== null ? nowMs + inS * 1000 : null) };
  }
  if (/usage_limit_reached/.test(text)) {
    const m = /"resets_in_seconds"\s*:\s*(\d+)/.exec(text);
    return { resetAtMs: m ? nowMs + Number(m[1]) * 1000 : null };
  }
  return null;
}

/** Quota windows from rate-limit response headers (x-codex-*, anthropic-ratelimit-unified-*). */
export function windowsFromHeaders(headers: Record<string, string> | null | undefined, tMs: number): ParsedWindow[] {
  if (!headers) return [];
  const h: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) h[k.toLowerCase()] = String(v);
  const out: ParsedWindow[] = [];
  for (const slot of ['primary', 'secondary'] as const) {
    const used = toNum(h[`x-codex-${slot}-used-percent`]);
    if (used === null) continue;
    const minutes = toNum(h[`x-codex-${slot}-window-minutes`]);
    const seconds = minutes === null ? null : minutes * 60;
    const after = toNum(h[`x-codex-${slot}-reset-after-seconds`]);
    const at = toMs(h[`x-codex-${slot}-reset-at`]);
    out.push(pctWindow(windowName(seconds, slot === 'primary' ? '5h' : 'weekly'), used, at ?? (after !== null ? tMs + after * 1000 : null), seconds));
  }
  for (const [key, name, seconds] of [['5h', '5h', 18_000], ['7d', 'weekly', 604_800]] as const) {
    const util = toNum(h[`anthropic-ratelimit-unified-${key}-utilization`]);
    if (util === null) continue;
    out.push(pctWindow(name, util <= 1 ? util * 100 : util, toMs(h[`anthropic-ratelimit-unified-${key}-reset`]), seconds));
  }
  return out;
}

function errorText(body: unknown, raw: string): string {
  if (isObj(body)) {
    const e = isObj(body.error) ? body.error : body;
    const parts = [e.code, e.type, e.message].filter((x): x is string => typeof x === 'string' && x !== '');
    if (parts.length) return parts.join(': ').slice(0, 300);
  }
  return raw.slice(0, 300);
}

/**
 * The verdict for one probe answer. The inner status decides (CPA answers 200 whenever it reached the
 * provider): 200 + windows → ok, or exhausted with the reset when a window is full (the usage endpoints of
 * Codex and Claude answer 200 with 100 % / utilization 100 for a used-up window, not an error), 401 → unauthorized (expired token
 * when the body or the auth file says so), 429 usage limit → exhausted with its reset, 403 → banned.
 */
export function classifyProbe(provider: string, statusCode: number, bodyText: string, nowMs: number): ProbeOutcome {
  const body = parseJson(bodyText);
  const base = { httpStatus: statusCode, windows: [] as ParsedWindow[], resetAtMs: null as number | null, expired: false, plan: null as string | null };
  if (statusCode >= 200 && statusCode < 300) {
    let windows: ParsedWindow[] = [];
    let limitReached = false;
    let plan: string | null = null;
    if (provider === 'codex') {
      const p = parseCodexUsage(body, nowMs);
      windows = p.windows;
      limitReached = p.limitReached;
      plan = p.plan;
    } else {
      windows =
        provider === 'claude'
          ? parseClaudeUsage(body)
          : provider === 'antigravity'
            ? parseAntigravityQuota(body)
            : provider === 'kimi'
              ? parseKimiUsage(body, nowMs, windowName)
              : provider === 'xai'
                ? parseXaiBilling(body)
                : [];
      limitReached = windows.some((w) => (w.usedPercent ?? 0) >= 100);
    }
    if (windows.length === 0) return { ...base, result: 'error', detail: `no quota windows in the ${provider} answer` };
    if (limitReached) {
      // A used-up window is a 200 with the window at 100 % (Codex adds limit_reached); quota is back when the
      // last full window resets. Codex may flag limit_reached just under 100 %: then its fullest window binds.
      let full = windows.filter((w) => (w.usedPercent ?? 0) >= 100);
      if (full.length === 0) {
        const top = Math.max(...windows.map((w) => w.usedPercent ?? 0));
        full = windows.filter((w) => (w.usedPercent ?? 0) === top);
      }
      const resets = full.map((w) => w.resetAtMs).filter((r): r is number => r !== null);
      const resetAtMs = resets.length ? Math.max(...resets) : null;
      const until = resetAtMs === null ? '' : ` until ${new Date(resetAtMs).toISOString()}`;
      return { ...base, windows, plan, result: 'exhausted', resetAtMs, detail: `quota used up (${full.map((w) => w.window).join(', ')})${until}` };
    }
    return { ...base, windows, plan, result: 'ok', detail: windows.map((w) => `${w.window} ${w.usedPercent ?? '?'}%`).join(', ') };
  }
  const text = errorText(body, bodyText);
  // A deactivated workspace answers 402 on every provider (Plus: delete the stale auth file).
  if (statusCode === 402 && /deactivated_workspace|workspace_deactivated/.test(bodyText)) return { ...base, result: 'banned', detail: `workspace deactivated: ${text}` };
  if (provider === 'xai') return xaiFailureOutcome(statusCode, bodyText, nowMs);
  if (statusCode === 401) {
    const expired = /expired|token_expired|invalid_grant/i.test(text);
    return { ...base, result: 'unauthorized', expired, detail: text || 'HTTP 401' };
  }
  if (statusCode === 429) {
    const limit = usageLimitReset(bodyText, nowMs);
    if (limit) return { ...base, result: 'exhausted', resetAtMs: limit.resetAtMs, detail: text || 'usage limit reached' };
    return { ...base, result: 'error', detail: `rate limited (HTTP 429): ${text}` };
  }
  if (statusCode === 403) return { ...base, result: 'banned', detail: text || 'HTTP 403' };
  return { ...base, result: 'error', detail: `HTTP ${statusCode}: ${text}` };
}
