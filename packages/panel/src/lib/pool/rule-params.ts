// Kind-specific parameters of an alert rule, as form fields. Values the server knows that the panel does
// not (a newer server) are kept as they are when a rule is edited.

/** 'usd' is stored as micro-dollars and 'percent' as a fraction (0.2); both are edited in human units. */
/** 'key' and 'account' are picked from a searchable list (a key's SHA-256, an account's auth_index). */
/** 'upstream' is a CPA's name, picked from the configured CPAs (shown only with two or more). */
export type ParamType = 'number' | 'string' | 'boolean' | 'usd' | 'percent' | 'select' | 'key' | 'account' | 'upstream';

export interface ParamSpec {
  key: string;
  type: ParamType;
  /** Default for a new rule; undefined = left empty (optional). */
  initial?: number | string | boolean;
  options?: readonly string[];
}

const provider: ParamSpec = { key: 'provider', type: 'string' };
const keyHash: ParamSpec = { key: 'apiKeyHash', type: 'key' };
const account: ParamSpec = { key: 'authIndex', type: 'account' };
const cpa: ParamSpec = { key: 'upstream', type: 'upstream' };

// Mirrors packages/server/src/alerts/rule-kinds.ts (RULE_PARAMS).
export const PARAM_SPECS: Record<string, readonly ParamSpec[]> = {
  'quota-low': [{ key: 'remainingPercentBelow', type: 'number', initial: 10 }, provider, { key: 'window', type: 'string' }, account, cpa],
  'pool-exhaustion-forecast': [{ key: 'withinHours', type: 'number', initial: 24 }, provider, cpa],
  'account-auth-issue': [{ key: 'issue', type: 'select', initial: 'any', options: ['any', 'unauthorized', 'expired', 'banned'] }, provider, account, cpa],
  'cooldown-entered': [provider, account, cpa],
  'cooldown-recovered': [provider, account, cpa],
  'error-rate-spike': [
    { key: 'errorRateAbove', type: 'percent', initial: 0.2 },
    { key: 'minRequests', type: 'number', initial: 20 },
    { key: 'windowMinutes', type: 'number', initial: 15 },
    keyHash,
    provider,
  ],
  'spend-threshold': [{ key: 'thresholdMicros', type: 'usd', initial: 50_000_000 }, { key: 'periodHours', type: 'number', initial: 24 }, keyHash],
  'collector-stalled': [{ key: 'afterMinutes', type: 'number', initial: 5 }, cpa],
  'collector-gap': [{ key: 'minMinutes', type: 'number', initial: 0 }, { key: 'lossLikelyOnly', type: 'boolean', initial: false }, cpa],
  'budget-forecast': [keyHash],
  'budget-exceeded': [keyHash],
};

export const specsFor = (kind: string): readonly ParamSpec[] => PARAM_SPECS[kind] ?? [];

/** Form state: inputs hold strings (numbers as typed), checkboxes booleans. */
export type ParamDraft = Record<string, string | boolean>;

export function paramsToDraft(kind: string, params: Record<string, number | string | boolean> | null): ParamDraft {
  const draft: ParamDraft = {};
  const specs = specsFor(kind);
  for (const s of specs) {
    const v = params ? params[s.key] : s.initial;
    if (s.type === 'boolean') draft[s.key] = v === true;
    else if (s.type === 'usd') draft[s.key] = typeof v === 'number' ? String(v / 1e6) : '';
    else if (s.type === 'percent') draft[s.key] = typeof v === 'number' ? String(Math.round(v * 1e6) / 1e4) : '';
    else draft[s.key] = v === undefined ? '' : String(v);
  }
  return draft;
}

export interface ParamsResult {
  params: Record<string, number | string | boolean>;
  /** Keys whose text is not a number where one is needed. */
  invalid: string[];
}

/** Builds the params object from the form; `previous` keeps server-side keys the form does not show. */
export function draftToParams(kind: string, draft: ParamDraft, previous: Record<string, number | string | boolean> = {}): ParamsResult {
  const specs = specsFor(kind);
  const shown = new Set(specs.map((s) => s.key));
  const params: Record<string, number | string | boolean> = {};
  for (const [k, v] of Object.entries(previous)) if (!shown.has(k)) params[k] = v;
  const invalid: string[] = [];
  for (const s of specs) {
    const raw = draft[s.key];
    if (s.type === 'boolean') {
      params[s.key] = raw === true;
      continue;
    }
    const text = typeof raw === 'string' ? raw.trim() : '';
    if (text === '') continue;
    if (s.type === 'string' || s.type === 'select' || s.type === 'key' || s.type === 'account' || s.type === 'upstream') {
      params[s.key] = text;
      continue;
    }
    const n = Number(text);
    if (!Number.isFinite(n) || n < 0) {
      invalid.push(s.key);
      continue;
    }
    params[s.key] = s.type === 'usd' ? Math.round(n * 1e6) : s.type === 'percent' ? n / 100 : n;
  }
  return { params, invalid };
}
