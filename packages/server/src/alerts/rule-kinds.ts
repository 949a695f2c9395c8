// What each rule kind accepts as params and how it judges a signal: 'fire' (the condition holds for this
// rule), 'clear' (it no longer holds: close the open incident) or 'skip' (the signal is not about this rule).
import { z } from 'zod';
import { DEFAULT_UPSTREAM_NAME } from '../config/upstreams-type';
import { upstreamOfKey } from '../pool/pool-key';
import type { AlertSignal, AlertSignalKind } from './signal-bus';

const optionalText = (max: number) =>
  z.preprocess((v) => (v === '' || v === null ? undefined : v), z.string().trim().min(1).max(max).optional());
const provider = optionalText(100);
/** One account (its auth_index), picked from a list in the panel; empty = every account. */
const authIndex = optionalText(200);
/** Several CPAs: only this CPA's signals (an upstream name); empty = every CPA. */
const upstream = optionalText(32);
const keyHash = z.preprocess(
  (v) => (v === '' || v === null ? undefined : v),
  z
    .string()
    .regex(/^[0-9a-fA-F]{64}$/, { message: 'use the 64-hex sha256 of the API key, never the key itself' })
    .transform((h) => h.toLowerCase())
    .optional(),
);

/** Params per kind (unknown keys are dropped; defaults filled in). Exhaustive over AlertSignalKind. */
export const RULE_PARAMS = {
  'quota-low': z.object({
    remainingPercentBelow: z.number().min(0).max(100).default(10),
    provider,
    window: optionalText(50),
    authIndex,
    upstream,
  }),
  'pool-exhaustion-forecast': z.object({
    /** Fire when the projected exhaustion is at most this far ahead (and before the next reset). */
    withinHours: z.number().positive().max(24 * 31).default(24),
    provider,
    upstream,
  }),
  'account-auth-issue': z.object({
    issue: z.enum(['any', 'unauthorized', 'expired', 'banned']).default('any'),
    provider,
    authIndex,
    upstream,
  }),
  'cooldown-entered': z.object({ provider, authIndex, upstream }),
  'cooldown-recovered': z.object({ provider, authIndex, upstream }),
  'error-rate-spike': z.object({
    /** A fraction: 0.2 means 20 % of requests failed. */
    errorRateAbove: z
      .number({ error: (iss) => (iss.input === undefined ? 'required: a fraction between 0 and 1 (0.2 = 20 %)' : 'expected a number') })
      .gt(0, { message: 'must be a fraction above 0 and below 1 (0.2 = 20 %)' })
      .lt(1, { message: 'must be a fraction above 0 and below 1 (0.2 = 20 %)' }),
    minRequests: z.number().int().min(1).max(1_000_000).default(20),
    windowMinutes: z.number().int().min(1).max(24 * 60).default(15),
    apiKeyHash: keyHash,
    provider,
  }),
  'spend-threshold': z.object({
    thresholdMicros: z
      .number({ error: (iss) => (iss.input === undefined ? 'required: integer micro-dollars (1 USD = 1000000)' : 'expected a number') })
      .int({ message: 'must be whole micro-dollars (1 USD = 1000000)' })
      .positive({ message: 'must be above 0 micro-dollars (1 USD = 1000000)' }),
    periodHours: z.number().int().min(1).max(24 * 31).default(24),
    apiKeyHash: keyHash,
  }),
  'collector-stalled': z.object({ afterMinutes: z.number().min(0).max(24 * 60).default(5), upstream }),
  'collector-gap': z.object({
    minMinutes: z.number().min(0).max(24 * 60).default(0),
    lossLikelyOnly: z.boolean().default(false),
    upstream,
  }),
  // Budgets: measured by the budget service for every key with a budget; apiKeyHash narrows a rule to one key.
  'budget-forecast': z.object({ apiKeyHash: keyHash }),
  'budget-exceeded': z.object({ apiKeyHash: keyHash }),
} satisfies Record<AlertSignalKind, z.ZodType>;

export const ALERT_KINDS = Object.keys(RULE_PARAMS) as [AlertSignalKind, ...AlertSignalKind[]];

/** One-off events rather than conditions: their incidents close by themselves after the quiet period. */
export const EVENT_KINDS: ReadonlySet<string> = new Set<AlertSignalKind>(['cooldown-recovered', 'collector-gap']);

export type RuleParams = Record<string, number | string | boolean>;

/**
 * The CPA a signal is about, from its subject: a pool key or pool subject (`<upstream>~…`, pool-key.ts),
 * `collector:<upstream>`; anything else is the default CPA's (or, for traffic kinds, not a CPA's at all).
 */
export function upstreamOfSubject(subject: string): string {
  if (subject === 'collector') return DEFAULT_UPSTREAM_NAME;
  if (subject.startsWith('collector:')) return subject.slice('collector:'.length);
  return upstreamOfKey(subject);
}

/** Kinds about one CPA (pool, accounts, collector): their messages name it and `upstream` scopes them. */
const UPSTREAM_KINDS: ReadonlySet<string> = new Set<AlertSignalKind>(['quota-low', 'pool-exhaustion-forecast', 'account-auth-issue', 'cooldown-entered', 'cooldown-recovered', 'collector-stalled', 'collector-gap']);

/** Kinds whose subject is one account's auth_index (the `authIndex` param scopes them). */
const ACCOUNT_KINDS: ReadonlySet<string> = new Set<AlertSignalKind>(['quota-low', 'account-auth-issue', 'cooldown-entered', 'cooldown-recovered']);

/** Validates params for a kind; the error names the field (`params.<field>`). */
export function parseRuleParams(kind: AlertSignalKind, params: unknown): { ok: true; params: RuleParams } | { ok: false; error: string } {
  const r = RULE_PARAMS[kind].safeParse(params ?? {});
  if (r.success) {
    const out: RuleParams = {};
    for (const [k, v] of Object.entries(r.data as Record<string, unknown>))
      if (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') out[k] = v;
    return { ok: true, params: out };
  }
  const issue = r.error.issues[0];
  const path = ['body', 'params', ...(issue?.path ?? []).map(String)].join('.');
  return { ok: false, error: `${path}: ${issue?.message ?? 'invalid'} (rule kind ${kind})` };
}

/** The subject a watcher-measured rule is about: a key hash, `provider:<name>`, both, or 'total'. */
export function scopeSubject(params: RuleParams): string {
  const key = typeof params.apiKeyHash === 'string' ? params.apiKeyHash : null;
  const prov = typeof params.provider === 'string' ? `provider:${params.provider}` : null;
  if (key && prov) return `${key}@${prov}`;
  return key ?? prov ?? 'total';
}

export interface Verdict {
  verdict: 'fire' | 'clear' | 'skip';
  message: string;
}

const iso = (ms: number | null | undefined) => (ms === null || ms === undefined ? 'unknown' : new Date(ms).toISOString().replace('.000Z', 'Z'));
const dollars = (micros: number) => `$${(micros / 1e6).toFixed(2)}`;
const num = (p: RuleParams, k: string, d: number) => (typeof p[k] === 'number' ? (p[k] as number) : d);
const str = (p: RuleParams, k: string) => (typeof p[k] === 'string' ? (p[k] as string) : undefined);
const scopeLabel = (subject: string) => {
  if (subject === 'total') return 'all traffic';
  if (subject.startsWith('provider:')) return `provider ${subject.slice(9)}`;
  const at = subject.indexOf('@provider:');
  return `API key ${subject.slice(0, 12)}…${at > 0 ? ` on provider ${subject.slice(at + 10)}` : ''}`;
};

/**
 * Judges one signal against one rule (the rule's kind equals the signal's). Several CPAs: a CPA-scoped kind
 * skips other CPAs' signals when the rule names one, and its message names the CPA (not the default one's:
 * with one CPA the messages stay as they were).
 */
export function evaluate(params: RuleParams, signal: Exclude<AlertSignal, { kind: 'resolved' }>, atMs: number): Verdict {
  if (!UPSTREAM_KINDS.has(signal.kind)) return judge(params, signal, atMs);
  const cpa = upstreamOfSubject(signal.subject);
  const only = str(params, 'upstream');
  if (only !== undefined && only !== cpa) return { verdict: 'skip', message: '' };
  const v = judge(params, signal, atMs);
  return cpa === DEFAULT_UPSTREAM_NAME || v.message === '' ? v : { ...v, message: `[CPA ${cpa}] ${v.message}` };
}

function judge(params: RuleParams, signal: Exclude<AlertSignal, { kind: 'resolved' }>, atMs: number): Verdict {
  const skip: Verdict = { verdict: 'skip', message: '' };
  const prov = str(params, 'provider');
  if (prov !== undefined && 'provider' in signal && signal.provider !== prov) return skip;
  // Account-scoped kinds carry the account's auth_index as their subject.
  const acct = str(params, 'authIndex');
  if (acct !== undefined && ACCOUNT_KINDS.has(signal.kind) && signal.subject !== acct) return skip;
  const fireIf = (cond: boolean, message: string): Verdict => ({ verdict: cond ? 'fire' : 'clear', message });
  switch (signal.kind) {
    case 'quota-low': {
      const w = str(params, 'window');
      if (w !== undefined && signal.window !== w) return skip;
      const below = num(params, 'remainingPercentBelow', 10);
      return fireIf(
        signal.remainingPercent < below,
        `Quota low: account ${signal.subject} (${signal.provider}, ${signal.window} window) has ${round(signal.remainingPercent)}% left` +
          `${signal.resetAtMs ? `; resets at ${iso(signal.resetAtMs)}` : ''}.`,
      );
    }
    case 'pool-exhaustion-forecast': {
      const within = num(params, 'withinHours', 24) * 3_600_000;
      const at = signal.exhaustAtMs;
      const cond = at !== null && at - atMs <= within && (signal.nextResetAtMs === null || at < signal.nextResetAtMs);
      return fireIf(
        cond,
        `${signal.provider} pool${signal.plan ? ` (${signal.plan})` : ''} is projected to run dry at ${iso(at)}` +
          `${signal.nextResetAtMs ? `, before its next reset at ${iso(signal.nextResetAtMs)}` : ''}.`,
      );
    }
    case 'account-auth-issue': {
      const issue = str(params, 'issue') ?? 'any';
      if (issue !== 'any' && issue !== signal.issue) return skip;
      return fireIf(true, `Account ${signal.subject} (${signal.provider}): ${signal.issue}${signal.detail ? ` — ${signal.detail}` : ''}.`);
    }
    case 'cooldown-entered':
      return fireIf(
        true,
        `Account ${signal.subject} (${signal.provider}) entered cooldown${signal.untilMs ? ` until ${iso(signal.untilMs)}` : ''}` +
          `${signal.reason ? `: ${signal.reason}` : ''}.`,
      );
    case 'cooldown-recovered':
      return fireIf(true, `Account ${signal.subject} (${signal.provider}) recovered from cooldown.`);
    case 'error-rate-spike': {
      if (signal.subject !== scopeSubject(params)) return skip;
      if (signal.windowMs !== num(params, 'windowMinutes', 15) * 60_000) return skip;
      const cond = signal.requests >= num(params, 'minRequests', 20) && signal.errorRate > num(params, 'errorRateAbove', 1);
      return fireIf(
        cond,
        `Error rate ${round(signal.errorRate * 100)}% over the last ${Math.round(signal.windowMs / 60_000)} min ` +
          `(${signal.requests} requests) for ${scopeLabel(signal.subject)}.`,
      );
    }
    case 'spend-threshold': {
      if (signal.subject !== scopeSubject(params)) return skip;
      if (signal.periodMs !== num(params, 'periodHours', 24) * 3_600_000) return skip;
      const threshold = num(params, 'thresholdMicros', Number.POSITIVE_INFINITY);
      return fireIf(
        signal.spentMicros >= threshold,
        `Spend ${dollars(signal.spentMicros)} over the last ${Math.round(signal.periodMs / 3_600_000)} h for ` +
          `${scopeLabel(signal.subject)} (threshold ${dollars(threshold)}).`,
      );
    }
    case 'collector-stalled': {
      const after = num(params, 'afterMinutes', 5) * 60_000;
      // Not yet long enough is not "cleared": wait for the next sighting.
      if (atMs - signal.sinceMs < after) return skip;
      return fireIf(true, `Collector stalled since ${iso(signal.sinceMs)}: ${signal.reason}.`);
    }
    case 'collector-gap': {
      if (params.lossLikelyOnly === true && signal.lossLikely !== true) return skip;
      if (signal.toMs - signal.fromMs < num(params, 'minMinutes', 0) * 60_000) return skip;
      return fireIf(true, `Collector coverage gap ${iso(signal.fromMs)} – ${iso(signal.toMs)}: ${signal.reason}.`);
    }
    case 'budget-forecast': {
      if (typeof params.apiKeyHash === 'string' && params.apiKeyHash !== signal.subject) return skip;
      // Once the budget is reached, 'budget-exceeded' speaks for the key.
      return fireIf(
        signal.forecastMicros > signal.limitMicros && signal.spentMicros < signal.limitMicros,
        `Budget will be exceeded: API key ${signal.keyName} spent ${dollars(signal.spentMicros)} of ${dollars(signal.limitMicros)}; ` +
          `at this rate ${dollars(signal.forecastMicros)} by ${iso(signal.periodEndMs)}.`,
      );
    }
    case 'budget-exceeded': {
      if (typeof params.apiKeyHash === 'string' && params.apiKeyHash !== signal.subject) return skip;
      return fireIf(
        signal.spentMicros >= signal.limitMicros,
        `Budget exceeded: API key ${signal.keyName} spent ${dollars(signal.spentMicros)} of ${dollars(signal.limitMicros)}; ` +
          `the period ends at ${iso(signal.periodEndMs)}.`,
      );
    }
  }
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}
