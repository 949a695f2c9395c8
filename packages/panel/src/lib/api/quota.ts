import type { ApiCallRequest } from './cpa-api';
import type { ApiCallResult, AuthFile } from './cpa.schema';

// Quota checks go through CPA's /api-call: CPA substitutes `$TOKEN$` with the account's stored token.
export type QuotaProvider = 'codex' | 'claude';

export interface QuotaWindow {
  id: string;
  /** e.g. '5 h', '7 d', 'weekly (opus)' — display label, not translated (provider terminology). */
  label: string;
  usedPercent: number | null;
  resetAtMs: number | null;
}

export interface QuotaResult {
  ok: boolean;
  plan: string | null;
  windows: QuotaWindow[];
  /** Upstream status when not OK (expired token → 401). */
  upstreamStatus: number;
  message: string | null;
}

const CODEX_USAGE_URL = 'https://chatgpt.com/backend-api/wham/usage';
const CLAUDE_USAGE_URL = 'https://api.anthropic.com/api/oauth/usage';

export function quotaProviderOf(f: AuthFile): QuotaProvider | null {
  const t = (f.provider ?? f.type ?? '').toLowerCase();
  if (t === 'codex') return 'codex';
  if (t === 'claude' || t === 'anthropic') return 'claude';
  return null;
}

export function buildQuotaRequest(f: AuthFile): ApiCallRequest | null {
  const provider = quotaProviderOf(f);
  if (!provider || !f.auth_index) return null;
  if (provider === 'codex') {
    const header: Record<string, string> = {
      Authorization: 'Bearer $TOKEN$',
      'Content-Type': 'application/json',
      'User-Agent': 'codex_cli_rs/0.76.0',
    };
    const accountId = f.id_token?.chatgpt_account_id;
    if (accountId) header['Chatgpt-Account-Id'] = accountId;
    return { authIndex: f.auth_index, method: 'GET', url: CODEX_USAGE_URL, header };
  }
  return {
    authIndex: f.auth_index,
    method: 'GET',
    url: CLAUDE_USAGE_URL,
    header: { Authorization: 'Bearer $TOKEN$', 'anthropic-beta': 'oauth-2025-04-20', 'Content-Type': 'application/json' },
  };
}

function asObject(v: unknown): Record<string, unknown> | null {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
}
function num(v: unknown): number | null {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return null;
}
function timeMs(v: unknown): number | null {
  const n = num(v);
  if (n !== null) return n < 1e12 ? n * 1000 : n;
  if (typeof v === 'string') {
    const t = Date.parse(v);
    return Number.isNaN(t) ? null : t;
  }
  return null;
}

function windowLabel(seconds: number | null, fallback: string): string {
  if (seconds === null || seconds <= 0) return fallback;
  if (seconds % 86_400 === 0) return `${seconds / 86_400} d`;
  if (seconds % 3600 === 0) return `${seconds / 3600} h`;
  return `${Math.round(seconds / 60)} min`;
}

function parseBody(body: unknown): unknown {
  if (typeof body !== 'string') return body;
  try {
    return JSON.parse(body);
  } catch {
    return null;
  }
}

export function parseQuota(provider: QuotaProvider, res: ApiCallResult, nowMs: number): QuotaResult {
  const body = asObject(parseBody(res.body));
  if (res.status_code < 200 || res.status_code >= 300 || !body) {
    const err = body ? asObject(body['error']) : null;
    const message = (typeof err?.['message'] === 'string' ? err['message'] : null) ?? (typeof body?.['detail'] === 'string' ? body['detail'] : null);
    return { ok: false, plan: null, windows: [], upstreamStatus: res.status_code, message };
  }
  return provider === 'codex' ? parseCodex(body, nowMs) : parseClaude(body);
}

function parseCodex(body: Record<string, unknown>, nowMs: number): QuotaResult {
  const windows: QuotaWindow[] = [];
  const add = (prefix: string, rl: Record<string, unknown> | null) => {
    if (!rl) return;
    for (const key of ['primary_window', 'secondary_window']) {
      const w = asObject(rl[key]);
      if (!w) continue;
      const seconds = num(w['limit_window_seconds']);
      const resetAfter = num(w['reset_after_seconds']);
      const resetAt = timeMs(w['reset_at']) ?? (resetAfter !== null ? nowMs + resetAfter * 1000 : null);
      windows.push({
        id: `${prefix}${key}`,
        label: `${prefix ? `${prefix.replace(/_$/, '')} ` : ''}${windowLabel(seconds, key === 'primary_window' ? '5 h' : '7 d')}`,
        usedPercent: num(w['used_percent']),
        resetAtMs: resetAt,
      });
    }
  };
  add('', asObject(body['rate_limit']));
  add('review_', asObject(body['code_review_rate_limit']));
  const plan = typeof body['plan_type'] === 'string' ? body['plan_type'] : null;
  return { ok: true, plan, windows, upstreamStatus: 200, message: null };
}

const CLAUDE_LABELS: Record<string, string> = {
  five_hour: '5 h',
  seven_day: '7 d',
  seven_day_opus: '7 d opus',
  seven_day_sonnet: '7 d sonnet',
  seven_day_oauth_apps: '7 d apps',
};

function parseClaude(body: Record<string, unknown>): QuotaResult {
  const windows: QuotaWindow[] = [];
  for (const [key, value] of Object.entries(body)) {
    const w = asObject(value);
    // Windows the account does not have come back as null or with a null utilization.
    if (!w || num(w['utilization']) === null) continue;
    windows.push({ id: key, label: CLAUDE_LABELS[key] ?? key.replaceAll('_', ' '), usedPercent: num(w['utilization']), resetAtMs: timeMs(w['resets_at']) });
  }
  return { ok: true, plan: null, windows, upstreamStatus: 200, message: null };
}
