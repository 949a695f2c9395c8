/**
 * Per-account quota emulation behind POST /api-call (the provider quota endpoints an inspection probes).
 * Codex (`chatgpt.com/backend-api/wham/usage`) and Claude (`api.anthropic.com/api/oauth/usage`) accounts get
 * a 5 h and a weekly window that reset on the fake's clock. A used-up window answers 200 with the window at
 * 100 % (as the real usage endpoints do: Codex `used_percent: 100` + `limit_reached: true`, Claude
 * `utilization: 100`); an expired token answers 401, a banned account 403.
 * Accounts without a state set fall back to the fake's canned answers.
 */
import { deactivatedAnswer, providerAnswer, providerKindOf, type ProviderKind } from './provider-quota';
import type { ApiCallRequest, ApiCallResponse } from './types';

const FIVE_HOURS_S = 18_000;
const WEEK_S = 604_800;

export interface FakeQuotaWindowInput {
  /** 0..100. */
  usedPercent: number;
  /** Seconds until this window resets (default: a full window from now). */
  resetInSeconds?: number;
  /** Window length in seconds (default 18000 for the primary, 604800 for the secondary window). */
  windowSeconds?: number;
}

export interface FakeQuotaInput {
  /** The 5-hour window. */
  primary?: FakeQuotaWindowInput;
  /** The weekly window. */
  secondary?: FakeQuotaWindowInput;
  /**
   * `expired` answers 401, `banned` 403, `error` 500; `ok` (default) answers from the windows. The other
   * states are for the providers of provider-quota.ts (xAI free usage / permission, a 402 deactivated workspace).
   */
  state?: FakeQuotaStateName;
  plan?: string;
}

export type FakeQuotaStateName = 'ok' | 'expired' | 'banned' | 'error' | 'free-usage-exhausted' | 'permission-denied' | 'workspace-deactivated';

export interface FakeQuotaWindowState {
  usedPercent: number;
  resetAtMs: number;
  windowSeconds: number;
}

export interface FakeQuotaState {
  primary: FakeQuotaWindowState;
  secondary: FakeQuotaWindowState;
  state: FakeQuotaStateName;
  plan: string;
}

export interface FakeQuotaAccounts {
  /** Sets (or replaces) the quota state of one credential. */
  setQuota(authIndex: string, input: FakeQuotaInput): void;
  /** Marks a window as used up (100 %) until `resetInSeconds` from now. */
  exhaust(authIndex: string, opts?: { resetInSeconds?: number; window?: 'primary' | 'secondary' }): void;
  /** Adds usage to both windows (clamped at 100). */
  consume(authIndex: string, percent: number): void;
  /** The token is expired: 401 until setQuota/clear. */
  expire(authIndex: string): void;
  /** The account is deactivated: 403. */
  ban(authIndex: string): void;
  /** Forget one account (or all): canned answers again. */
  clear(authIndex?: string): void;
  /** The state as of now (windows past their reset are rolled over). */
  get(authIndex: string): FakeQuotaState | undefined;
  /** Delay every quota answer by this many ms (concurrency tests). */
  setLatency(ms: number): void;
  /** Quota probes served (all accounts, or one). */
  calls(authIndex?: string): number;
  /** Highest number of quota probes in flight at once since the last resetCounters(). */
  maxInFlight(): number;
  inFlight(): number;
  resetCounters(): void;
}

export interface FakeQuotaResponder extends FakeQuotaAccounts {
  /** Internal: the answer for one api-call, or undefined to fall back to the canned answers. */
  respond(req: ApiCallRequest): Promise<ApiCallResponse | undefined>;
}

function json(body: unknown, status = 200, extra: Record<string, string[]> = {}): ApiCallResponse {
  return {
    statusCode: status,
    header: { 'Content-Type': ['application/json'], ...extra },
    body: JSON.stringify(body),
  };
}

type Kind = 'codex' | 'claude' | ProviderKind;

function kindOf(url: string): Kind | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return null;
  }
  if (u.hostname === 'chatgpt.com' && u.pathname.endsWith('/wham/usage')) return 'codex';
  if (u.hostname === 'api.anthropic.com' && u.pathname === '/api/oauth/usage') return 'claude';
  return providerKindOf(u);
}

export function createFakeQuotaAccounts(now: () => number): FakeQuotaResponder {
  const states = new Map<string, FakeQuotaState>();
  const callCounts = new Map<string, number>();
  let latencyMs = 0;
  let inFlight = 0;
  let maxInFlight = 0;

  const win = (input: FakeQuotaWindowInput | undefined, defaultLen: number): FakeQuotaWindowState => {
    const len = input?.windowSeconds ?? defaultLen;
    return {
      usedPercent: Math.max(0, Math.min(100, input?.usedPercent ?? 0)),
      resetAtMs: now() + (input?.resetInSeconds ?? len) * 1000,
      windowSeconds: len,
    };
  };
  // A window past its reset starts a fresh cycle at 0 % (as many cycles as elapsed).
  const roll = (w: FakeQuotaWindowState): void => {
    const t = now();
    if (t < w.resetAtMs) return;
    const len = w.windowSeconds * 1000;
    const cycles = Math.floor((t - w.resetAtMs) / len) + 1;
    w.resetAtMs += cycles * len;
    w.usedPercent = 0;
  };
  const current = (authIndex: string): FakeQuotaState | undefined => {
    const s = states.get(authIndex);
    if (!s) return undefined;
    roll(s.primary);
    roll(s.secondary);
    return s;
  };
  const ensure = (authIndex: string): FakeQuotaState => {
    let s = current(authIndex);
    if (!s) {
      s = { primary: win(undefined, FIVE_HOURS_S), secondary: win(undefined, WEEK_S), state: 'ok', plan: 'plus' };
      states.set(authIndex, s);
    }
    return s;
  };

  const answer = (kind: Kind, s: FakeQuotaState): ApiCallResponse => {
    const t = now();
    if (kind !== 'codex' && kind !== 'claude') return providerAnswer(kind, s, t);
    if (s.state === 'workspace-deactivated') return deactivatedAnswer();
    const nowS = Math.floor(t / 1000);
    if (s.state === 'expired') {
      return json(
        {
          error: {
            message: 'Provided authentication token is expired. Please try signing in again.',
            type: 'invalid_request_error',
            code: 'token_expired',
          },
        },
        401,
      );
    }
    if (s.state === 'banned') {
      return json(
        {
          error: {
            message: 'Your OpenAI account has been deactivated, please check your email for more information.',
            type: 'invalid_request_error',
            code: 'account_deactivated',
          },
        },
        403,
      );
    }
    if (s.state === 'error') return json({ error: { message: 'upstream error' } }, 500);
    // A used-up window is not an error on these endpoints: they answer 200 with the window at 100 %
    // (Codex also sets limit_reached / allowed:false). The 429 usage_limit_reached comes from the model
    // endpoints, not from the usage endpoints an inspection probes.
    const limitReached = s.primary.usedPercent >= 100 || s.secondary.usedPercent >= 100;
    if (kind === 'codex') {
      const w = (x: FakeQuotaWindowState) => ({
        used_percent: x.usedPercent,
        limit_window_seconds: x.windowSeconds,
        reset_after_seconds: Math.max(0, Math.round((x.resetAtMs - t) / 1000)),
        reset_at: Math.floor(x.resetAtMs / 1000),
      });
      return json({
        plan_type: s.plan,
        rate_limit: {
          allowed: !limitReached,
          limit_reached: limitReached,
          primary_window: w(s.primary),
          secondary_window: w(s.secondary),
        },
        code_review_rate_limit: null,
        credits: { has_credits: false, unlimited: false, balance: '0' },
        _now: nowS,
      });
    }
    const w = (x: FakeQuotaWindowState) => ({
      utilization: x.usedPercent,
      resets_at: new Date(x.resetAtMs).toISOString(),
    });
    return json({
      five_hour: w(s.primary),
      seven_day: w(s.secondary),
      seven_day_oauth_apps: null,
      seven_day_opus: null,
      seven_day_sonnet: null,
      extra_usage: { is_enabled: false, monthly_limit: null, used_credits: null, utilization: null },
    });
  };

  return {
    setQuota(authIndex, input) {
      states.set(authIndex, {
        primary: win(input.primary, FIVE_HOURS_S),
        secondary: win(input.secondary, WEEK_S),
        state: input.state ?? 'ok',
        plan: input.plan ?? 'plus',
      });
    },
    exhaust(authIndex, opts = {}) {
      const s = ensure(authIndex);
      const w = opts.window === 'secondary' ? s.secondary : s.primary;
      w.usedPercent = 100;
      if (opts.resetInSeconds !== undefined) w.resetAtMs = now() + opts.resetInSeconds * 1000;
    },
    consume(authIndex, percent) {
      const s = ensure(authIndex);
      for (const w of [s.primary, s.secondary]) w.usedPercent = Math.min(100, w.usedPercent + percent);
    },
    expire(authIndex) {
      ensure(authIndex).state = 'expired';
    },
    ban(authIndex) {
      ensure(authIndex).state = 'banned';
    },
    clear(authIndex) {
      if (authIndex === undefined) states.clear();
      else states.delete(authIndex);
    },
    get(authIndex) {
      const s = current(authIndex);
      return s ? structuredClone(s) : undefined;
    },
    setLatency(ms) {
      latencyMs = Math.max(0, ms);
    },
    calls(authIndex) {
      if (authIndex !== undefined) return callCounts.get(authIndex) ?? 0;
      let n = 0;
      for (const v of callCounts.values()) n += v;
      return n;
    },
    maxInFlight: () => maxInFlight,
    inFlight: () => inFlight,
    resetCounters() {
      callCounts.clear();
      maxInFlight = inFlight;
    },
    async respond(req) {
      const kind = kindOf(req.url);
      if (!kind) return undefined;
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      callCounts.set(req.authIndex, (callCounts.get(req.authIndex) ?? 0) + 1);
      try {
        if (latencyMs > 0) await new Promise((r) => setTimeout(r, latencyMs));
        const s = current(req.authIndex);
        return s ? answer(kind, s) : undefined;
      } finally {
        inFlight--;
      }
    },
  };
}
