// Quota probes and answer parsers for the providers beyond Codex and Claude: Antigravity, Kimi and xAI
// (billing, plus an optional inference probe). The upstream URLs, headers and answer shapes are the ones CPA
// Manager Plus sends through CPA's api-call (read from its source, not copied). Pure: the clock is an argument.
//
// Gemini CLI is not here: CPA v7.2.140 loads no `gemini` / `gemini-cli` auth file natively (its file
// synthesizer skips them unless a plugin parses them), so api-call has no credential to put in $TOKEN$.
import type { ParsedWindow, ProbeOutcome, ProbeRequest } from './quota-parse';

export const ANTIGRAVITY_QUOTA_URL =
  'https://cloudcode-pa.googleapis.com/v1internal:retrieveUserQuotaSummary';
export const ANTIGRAVITY_USER_AGENT = 'antigravity/cli/1.0.13 (aidev_client; os_type=darwin; arch=arm64)';
/** What Plus sends when the auth file names no project. */
export const ANTIGRAVITY_DEFAULT_PROJECT = 'bamboo-precept-lgxtn';
export const KIMI_USAGE_URL = 'https://api.kimi.com/coding/v1/usages';
export const XAI_BILLING_URL = 'https://cli-chat-proxy.grok.com/v1/billing?format=credits';
export const XAI_RESPONSES_URL = 'https://cli-chat-proxy.grok.com/v1/responses';
export const XAI_CLIENT_VERSION = '0.2.101';
export const XAI_USER_AGENT = 'grok-pager/0.2.101 grok-shell/0.2.101 (macos; aarch64)';
export const XAI_INFERENCE_USER_AGENT = 'xai-grok-workspace/0.2.101';
export const XAI_INFERENCE_MODEL = 'grok-4.5';
/** xAI's free usage is a rolling 24 h window without a published reset: back at most 24 h later. */
export const XAI_FREE_USAGE_COOLDOWN_MS = 24 * 3_600_000;

const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const toNum = (v: unknown): number | null => {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  // xAI wraps cents as {"val": 123}.
  if (isObj(v)) return toNum(v.val ?? v.value);
  return null;
};
const pick = (o: Record<string, unknown> | undefined, ...keys: string[]): unknown => {
  if (!o) return undefined;
  for (const k of keys) if (o[k] !== undefined && o[k] !== null) return o[k];
  return undefined;
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
const clampPct = (v: number): number => Math.max(0, Math.min(100, Math.round(v * 100) / 100));
const win = (
  window: string,
  used: number | null,
  resetAtMs: number | null,
  windowSeconds: number | null,
): ParsedWindow => {
  const u = used === null ? null : clampPct(used);
  return {
    window,
    usedPercent: u,
    remainingPercent: u === null ? null : clampPct(100 - u),
    resetAtMs,
    windowSeconds,
  };
};
const slug = (s: string): string =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9.]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 40) || 'quota';

export const EXTRA_PROBE_PROVIDERS = ['antigravity', 'kimi', 'xai'] as const;

/** What the probes read from an auth file's content (project for Antigravity, user id for xAI). */
export interface ProbeContext {
  projectId?: string | null;
  userId?: string | null;
}

export function extraProbeRequest(provider: string, ctx: ProbeContext = {}): ProbeRequest | null {
  if (provider === 'antigravity') {
    return {
      method: 'POST',
      url: ANTIGRAVITY_QUOTA_URL,
      header: {
        Authorization: 'Bearer $TOKEN$',
        'Content-Type': 'application/json',
        'User-Agent': ANTIGRAVITY_USER_AGENT,
      },
      data: JSON.stringify({ project: ctx.projectId || ANTIGRAVITY_DEFAULT_PROJECT }),
    };
  }
  if (provider === 'kimi')
    return { method: 'GET', url: KIMI_USAGE_URL, header: { Authorization: 'Bearer $TOKEN$' } };
  if (provider === 'xai') {
    const header: Record<string, string> = {
      Authorization: 'Bearer $TOKEN$',
      'x-xai-token-auth': 'xai-grok-cli',
      'x-grok-client-version': XAI_CLIENT_VERSION,
      'User-Agent': XAI_USER_AGENT,
      Accept: '*/*',
    };
    if (ctx.userId) header['x-userid'] = ctx.userId;
    return { method: 'GET', url: XAI_BILLING_URL, header };
  }
  return null;
}

/** The xAI inference probe: one tiny completion through the CLI chat proxy. */
export function xaiInferenceRequest(
  ctx: ProbeContext = {},
  opts: { model?: string; userAgent?: string } = {},
): ProbeRequest {
  const header: Record<string, string> = {
    Authorization: 'Bearer $TOKEN$',
    Accept: 'application/json',
    'Content-Type': 'application/json',
    'User-Agent': opts.userAgent || XAI_INFERENCE_USER_AGENT,
    'x-xai-token-auth': 'xai-grok-cli',
    'x-grok-client-version': XAI_CLIENT_VERSION,
  };
  if (ctx.userId) header['x-userid'] = ctx.userId;
  return {
    method: 'POST',
    url: XAI_RESPONSES_URL,
    header,
    data: JSON.stringify({
      model: opts.model || XAI_INFERENCE_MODEL,
      input: 'Reply with exactly OK.',
      stream: false,
    }),
  };
}

/** Antigravity `retrieveUserQuotaSummary`: groups[].buckets[] with remainingFraction (or models{}.quotaInfo). */
export function parseAntigravityQuota(body: unknown): ParsedWindow[] {
  const out: ParsedWindow[] = [];
  if (!isObj(body)) return out;
  const seen = new Set<string>();
  const add = (name: string, remaining: unknown, reset: unknown) => {
    const frac = toNum(remaining);
    const key = slug(name);
    if (frac === null || seen.has(key)) return;
    seen.add(key);
    out.push(win(key, (1 - Math.max(0, Math.min(1, frac))) * 100, toMs(reset), null));
  };
  for (const g of Array.isArray(body.groups) ? body.groups : []) {
    if (!isObj(g)) continue;
    for (const b of Array.isArray(g.buckets) ? g.buckets : []) {
      if (!isObj(b)) continue;
      const name = String(
        pick(b, 'displayName', 'display_name', 'bucketId', 'bucket_id') ??
          pick(g, 'displayName', 'display_name') ??
          'quota',
      );
      add(name, pick(b, 'remainingFraction', 'remaining_fraction'), pick(b, 'resetTime', 'reset_time'));
    }
  }
  if (out.length === 0 && isObj(body.models)) {
    for (const [id, m] of Object.entries(body.models)) {
      if (!isObj(m)) continue;
      const q = pick(m, 'quotaInfo', 'quota_info');
      if (!isObj(q)) continue;
      add(id, pick(q, 'remainingFraction', 'remaining_fraction'), pick(q, 'resetTime', 'reset_time'));
    }
  }
  return out;
}

const KIMI_UNIT_S: Record<string, number> = {
  SECOND: 1,
  SECONDS: 1,
  MINUTE: 60,
  MINUTES: 60,
  HOUR: 3600,
  HOURS: 3600,
  DAY: 86_400,
  DAYS: 86_400,
};

/** Kimi `coding/v1/usages`: usage {used, limit, remaining, resetTime} and limits[] with a window each. */
export function parseKimiUsage(
  body: unknown,
  nowMs: number,
  windowName: (s: number | null, fallback: string) => string,
): ParsedWindow[] {
  const out: ParsedWindow[] = [];
  if (!isObj(body)) return out;
  const one = (d: Record<string, unknown>, fallback: string, seconds: number | null) => {
    const limit = toNum(d.limit);
    const used =
      toNum(d.used) ??
      (limit !== null && toNum(d.remaining) !== null ? limit - (toNum(d.remaining) as number) : null);
    if (limit === null || limit <= 0 || used === null) return;
    const inS = toNum(pick(d, 'resetIn', 'reset_in', 'ttl'));
    const reset =
      toMs(pick(d, 'resetAt', 'reset_at', 'resetTime', 'reset_time')) ??
      (inS !== null ? nowMs + inS * 1000 : null);
    out.push(win(windowName(seconds, fallback), (used / limit) * 100, reset, seconds));
  };
  if (isObj(body.usage)) one(body.usage, 'weekly', null);
  for (const item of Array.isArray(body.limits) ? body.limits : []) {
    if (!isObj(item)) continue;
    const w = isObj(item.window) ? item.window : item;
    const dur = toNum(w.duration);
    const unit = String(w.timeUnit ?? '')
      .toUpperCase()
      .replace(/^TIME_UNIT_/, '');
    const seconds = dur !== null && dur > 0 ? dur * (KIMI_UNIT_S[unit] ?? 1) : null;
    one(isObj(item.detail) ? item.detail : item, `limit-${out.length}`, seconds);
  }
  return out;
}

/** xAI billing (`config` of `/v1/billing?format=credits`): the weekly credit window and the monthly limit. */
export function parseXaiBilling(body: unknown): ParsedWindow[] {
  const out: ParsedWindow[] = [];
  if (!isObj(body)) return out;
  const c = isObj(body.config) ? body.config : body;
  const period = isObj(pick(c, 'current_period', 'currentPeriod'))
    ? (pick(c, 'current_period', 'currentPeriod') as Record<string, unknown>)
    : undefined;
  const weeklyEnd = toMs(period?.end);
  const weeklyType = String(period?.type ?? '')
    .toLowerCase()
    .includes('weekly');
  let usage = toNum(pick(c, 'credit_usage_percent', 'creditUsagePercent'));
  if (usage === null && weeklyType && weeklyEnd !== null) usage = 0;
  if (usage !== null) out.push(win('weekly', usage, weeklyEnd, 604_800));
  const cycle = isObj(pick(c, 'billing_cycle', 'billingCycle'))
    ? (pick(c, 'billing_cycle', 'billingCycle') as Record<string, unknown>)
    : undefined;
  const monthEnd = toMs(
    pick(c, 'billing_period_end', 'billingPeriodEnd') ??
      pick(cycle, 'billing_period_end', 'billingPeriodEnd'),
  );
  const limit = toNum(pick(c, 'monthly_limit', 'monthlyLimit'));
  const nested = isObj(c.usage) ? c.usage : undefined;
  const used =
    toNum(pick(nested, 'included_used', 'includedUsed')) ??
    toNum(c.used) ??
    toNum(pick(nested, 'total_used', 'totalUsed'));
  if (limit !== null && limit > 0 && used !== null)
    out.push(win('monthly', (Math.min(used, limit) / limit) * 100, monthEnd, null));
  for (const p of Array.isArray(pick(c, 'product_usage', 'productUsage'))
    ? (pick(c, 'product_usage', 'productUsage') as unknown[])
    : []) {
    if (!isObj(p)) continue;
    const pct = toNum(pick(p, 'usage_percent', 'usagePercent'));
    if (pct !== null)
      out.push(win(`weekly-${slug(String(p.product ?? 'product'))}`, pct, weeklyEnd, 604_800));
  }
  return out;
}

export type XaiClass =
  | 'free_quota_exhausted'
  | 'spending_limit'
  | 'auth_invalid'
  | 'permission_denied'
  | 'client_outdated'
  | 'entitlement_denied'
  | 'rate_limited'
  | 'other';

const has = (text: string, ...markers: string[]) => markers.some((m) => text.includes(m));

/** Plus's reading of an xAI failure (status and body markers), plus the `permission_denied` code of a 403. */
export function classifyXaiFailure(status: number, bodyText: string): XaiClass {
  const t = bodyText.toLowerCase();
  if (has(t, 'subscription:free-usage-exhausted', 'free-usage-exhausted', 'included free usage'))
    return 'free_quota_exhausted';
  if (
    has(
      t,
      'spending-limit',
      'run out of credits',
      'used all available credits',
      'monthly spending limit',
      'purchase more credits',
      'add credits',
    )
  )
    return 'spending_limit';
  if (
    status === 401 ||
    has(
      t,
      'invalid_grant',
      'refresh_token_reused',
      'invalid_refresh_token',
      'token_invalidated',
      'token_revoked',
      'bad-credentials',
      'invalid or expired credentials',
    )
  )
    return 'auth_invalid';
  if (status === 426) return 'client_outdated';
  if (
    has(
      t,
      'need a grok subscription',
      'no active grok subscription',
      'not entitled',
      'subscription required',
      'access to the chat endpoint is denied',
    )
  )
    return 'entitlement_denied';
  if ((status === 403 || status === 401) && /"code"\s*:\s*"permission_denied"|permission_denied/.test(t))
    return 'permission_denied';
  if (status === 429) return 'rate_limited';
  return 'other';
}

type Base = Omit<ProbeOutcome, 'result' | 'detail'>;

/** The outcome of an xAI failure answer (billing or inference). */
export function xaiFailureOutcome(
  status: number,
  bodyText: string,
  nowMs: number,
  windows: ParsedWindow[] = [],
): ProbeOutcome {
  const base: Base = { httpStatus: status, windows, resetAtMs: null, expired: false, plan: null };
  const text = bodyText.slice(0, 300);
  switch (classifyXaiFailure(status, bodyText)) {
    case 'free_quota_exhausted':
      // A rolling 24 h window with no published reset: cool down for 24 h (an upper bound, as Plus does).
      return {
        ...base,
        result: 'exhausted',
        resetAtMs: nowMs + XAI_FREE_USAGE_COOLDOWN_MS,
        detail: `xAI free usage exhausted; cooldown 24 h (${text})`,
      };
    case 'spending_limit': {
      const monthly = windows.find((w) => w.window === 'monthly');
      return {
        ...base,
        result: 'exhausted',
        resetAtMs: monthly?.resetAtMs ?? null,
        detail: `xAI spending limit reached (${text})`,
      };
    }
    case 'entitlement_denied':
      return {
        ...base,
        result: 'exhausted',
        detail: `xAI subscription does not cover this endpoint (${text})`,
      };
    case 'auth_invalid':
      return {
        ...base,
        result: 'unauthorized',
        expired: /expired/i.test(bodyText),
        detail: text || `HTTP ${status}`,
      };
    case 'permission_denied':
      return {
        ...base,
        result: 'unauthorized',
        detail: `xAI permission_denied: the credential is rejected for the chat endpoint; review its permissions (${text})`,
      };
    case 'client_outdated':
      return { ...base, result: 'error', detail: `xAI says the client is outdated (HTTP 426): ${text}` };
    case 'rate_limited':
      return { ...base, result: 'error', detail: `rate limited (HTTP 429): ${text}` };
    default:
      return { ...base, result: 'error', detail: `HTTP ${status}: ${text}` };
  }
}

/** A completed inference answer has status "completed" and some output_text. */
export function xaiInferenceHealthy(bodyText: string): boolean {
  let body: unknown;
  try {
    body = JSON.parse(bodyText);
  } catch {
    return false;
  }
  if (
    !isObj(body) ||
    String(body.status ?? '').toLowerCase() !== 'completed' ||
    (body.error !== undefined && body.error !== null)
  )
    return false;
  for (const o of Array.isArray(body.output) ? body.output : []) {
    if (!isObj(o) || String(o.type).toLowerCase() !== 'message') continue;
    for (const c of Array.isArray(o.content) ? o.content : []) {
      if (
        isObj(c) &&
        String(c.type).toLowerCase() === 'output_text' &&
        typeof c.text === 'string' &&
        c.text.trim() !== ''
      )
        return true;
    }
  }
  return false;
}
