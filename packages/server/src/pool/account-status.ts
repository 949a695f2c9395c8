// The one status model of an account (issue #17): every page, the pool summary, the accounts list, the
// alerts and the metrics read the state this pure function gives, so they cannot disagree. Inputs are what
// CPA reports of the auth file plus what the pool knows (ownership of a disable, open issues, quota windows,
// the last probe); the output names one state, who owns it, until when, and the evidence behind it.

/** The states, in the order the panel lists them. */
export const ACCOUNT_STATES = [
  'active',
  'cooldown',
  'exhausted',
  'disabled_by_user',
  'disabled_by_cpamp',
  'expired',
  'unauthorized',
  'banned',
  'error',
] as const;
export type AccountState = (typeof ACCOUNT_STATES)[number];

/** Who holds a cooldown or a disable: cpamp's automation, the user, or CPA's own retry back-off. */
export type AccountStateOwner = 'cpamp' | 'user' | 'cpa';

export type EvidenceSource = 'cpa' | 'ownership' | 'issue' | 'inspection' | 'window' | 'none';
export interface StatusEvidence {
  source: EvidenceSource;
  /** Short machine-readable fact, e.g. `issue:banned`, `window:5h>=100%`, `cpa:disabled`. */
  fact: string;
  /** Human text (English; pages translate the fact and show this as detail). */
  detail: string;
  atMs: number | null;
}

export interface AccountStatusInput {
  /** What CPA's `/auth-files` says of the file (null fields when unknown). */
  file: {
    disabled: boolean;
    /** `status`: active | pending | refreshing | error | disabled | unknown. */
    cpaStatus: string | null;
    statusMessage: string | null;
    /** CPA's own back-off (`unavailable` + `next_retry_after`), when the caller has it. */
    unavailable?: boolean;
    nextRetryAfterMs?: number | null;
  };
  /** cpamp disabled the account itself (pool_ownership). */
  ownership: { kind: 'quota' | 'auth-issue'; reason: string; disabledAtMs: number; recoverAtMs: number | null } | null;
  /** Open (not ignored, not resolved) issues of the account. */
  openIssues: readonly { issue: 'unauthorized' | 'expired' | 'banned' | 'exhausted'; detail: string; lastSeenMs: number }[];
  windows: readonly { window: string; usedPercent: number | null; resetAtMs: number | null; observedAtMs: number; source: string }[];
  lastInspection: { atMs: number; result: 'ok' | 'unauthorized' | 'exhausted' | 'banned' | 'error'; detail?: string } | null;
  /** When an open `exhausted` issue resolves by itself (its quota reset), if known. */
  exhaustedUntilMs?: number | null;
  nowMs: number;
}

export interface AccountStatusVerdict {
  state: AccountState;
  /** Who disabled it or holds the cooldown; null when nobody does. */
  owner: AccountStateOwner | null;
  /** Cooldown / exhaustion end (quota reset or CPA retry), when known. */
  untilMs: number | null;
  /** Whether CPA may route traffic to it now (enabled and not known to fail). */
  usable: boolean;
  /** The facts behind the state, strongest first; never empty. */
  evidence: StatusEvidence[];
}

/** The states that mean the credential itself is bad (re-login or delete). */
export const AUTH_PROBLEM_STATES: ReadonlySet<AccountState> = new Set(['expired', 'unauthorized', 'banned']);

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * Precedence: a bad credential (banned > expired > unauthorized) beats everything, because re-enabling
 * such an account cannot help; then a quota cooldown cpamp owns; then a disable (cpamp's or the user's);
 * then exhaustion of an enabled account; then CPA's own back-off; then errors; else active.
 */
export function accountStatus(i: AccountStatusInput): AccountStatusVerdict {
  const { file, ownership, nowMs } = i;
  const ev: StatusEvidence[] = [];
  const issue = (kind: 'banned' | 'expired' | 'unauthorized') => i.openIssues.find((x) => x.issue === kind);
  const probe = i.lastInspection;
  const disabledOwner: AccountStateOwner | null = file.disabled ? (ownership ? 'cpamp' : 'user') : null;
  const disabledEv = (): StatusEvidence =>
    ownership
      ? { source: 'ownership', fact: `ownership:${ownership.kind}`, detail: ownership.reason, atMs: ownership.disabledAtMs }
      : { source: 'cpa', fact: 'cpa:disabled', detail: 'the auth file is disabled in CPA', atMs: null };

  // 1. Bad credentials, from the issue queue or the last probe.
  for (const kind of ['banned', 'expired', 'unauthorized'] as const) {
    const open = issue(kind);
    // A probe reports no `expired`: its 401 becomes an `expired` or `unauthorized` issue.
    const probed = probe && probe.result === kind ? probe : null;
    if (!open && !probed) continue;
    if (open) ev.push({ source: 'issue', fact: `issue:${kind}`, detail: open.detail, atMs: open.lastSeenMs });
    if (probed) ev.push({ source: 'inspection', fact: `inspection:${kind}`, detail: probed.detail ?? `probe answered ${kind}`, atMs: probed.atMs });
    if (file.disabled) ev.push(disabledEv());
    return { state: kind, owner: disabledOwner, untilMs: null, usable: false, evidence: ev };
  }

  // 2. A quota cooldown cpamp holds (it re-enables at the reset).
  if (file.disabled && ownership?.kind === 'quota') {
    ev.push({ source: 'ownership', fact: 'ownership:quota', detail: ownership.reason, atMs: ownership.disabledAtMs });
    if (ownership.recoverAtMs !== null) ev.push({ source: 'ownership', fact: 'cooldown:until', detail: `re-enabled at ${iso(ownership.recoverAtMs)}`, atMs: ownership.recoverAtMs });
    return { state: 'cooldown', owner: 'cpamp', untilMs: ownership.recoverAtMs, usable: false, evidence: ev };
  }

  // 3. Disabled, by cpamp (auth-issue ownership whose issue was since resolved) or by the user.
  if (file.disabled) {
    ev.push(disabledEv());
    return { state: ownership ? 'disabled_by_cpamp' : 'disabled_by_user', owner: disabledOwner, untilMs: null, usable: false, evidence: ev };
  }

  // 4. Enabled but out of quota: a full window before its reset, an open `exhausted` issue, or the last probe.
  const full = i.windows.filter((w) => (w.usedPercent ?? 0) >= 100 && (w.resetAtMs === null || w.resetAtMs > nowMs));
  const exhaustedIssue = i.openIssues.find((x) => x.issue === 'exhausted');
  const probeExhausted = probe?.result === 'exhausted' && !i.windows.length;
  if (full.length || exhaustedIssue || probeExhausted) {
    for (const w of full) ev.push({ source: 'window', fact: `window:${w.window}>=100%`, detail: `${w.window} window used up (${w.source})`, atMs: w.observedAtMs });
    if (exhaustedIssue) ev.push({ source: 'issue', fact: 'issue:exhausted', detail: exhaustedIssue.detail, atMs: exhaustedIssue.lastSeenMs });
    if (probeExhausted && probe) ev.push({ source: 'inspection', fact: 'inspection:exhausted', detail: probe.detail ?? 'probe answered exhausted', atMs: probe.atMs });
    const resets = full.map((w) => w.resetAtMs).filter((r): r is number => r !== null);
    const untilMs = resets.length ? Math.max(...resets) : (i.exhaustedUntilMs ?? null);
    return { state: 'exhausted', owner: null, untilMs, usable: false, evidence: ev };
  }

  // 5. CPA's own back-off (it retries the credential after next_retry_after).
  if (file.unavailable && file.nextRetryAfterMs && file.nextRetryAfterMs > nowMs) {
    ev.push({ source: 'cpa', fact: 'cpa:unavailable', detail: file.statusMessage ?? `CPA retries after ${iso(file.nextRetryAfterMs)}`, atMs: null });
    return { state: 'cooldown', owner: 'cpa', untilMs: file.nextRetryAfterMs, usable: false, evidence: ev };
  }

  // 6. Errors: CPA says so, or the last probe failed for another reason.
  if (file.cpaStatus === 'error') {
    ev.push({ source: 'cpa', fact: 'cpa:error', detail: file.statusMessage ?? 'CPA reports an error for the auth file', atMs: null });
    return { state: 'error', owner: null, untilMs: null, usable: true, evidence: ev };
  }
  if (probe?.result === 'error') {
    ev.push({ source: 'inspection', fact: 'inspection:error', detail: probe.detail ?? 'the last probe failed', atMs: probe.atMs });
    return { state: 'error', owner: null, untilMs: null, usable: true, evidence: ev };
  }

  // 7. Active, with what shows it.
  if (probe) ev.push({ source: 'inspection', fact: 'inspection:ok', detail: probe.detail ?? 'the last probe answered', atMs: probe.atMs });
  const newest = i.windows.reduce<(typeof i.windows)[number] | null>((a, w) => (!a || w.observedAtMs > a.observedAtMs ? w : a), null);
  if (newest) ev.push({ source: 'window', fact: 'window:seen', detail: `${newest.window} window seen (${newest.source})`, atMs: newest.observedAtMs });
  if (file.cpaStatus) ev.push({ source: 'cpa', fact: `cpa:${file.cpaStatus}`, detail: file.statusMessage ?? `CPA status ${file.cpaStatus}`, atMs: null });
  if (!ev.length) ev.push({ source: 'none', fact: 'none', detail: 'enabled in CPA; not observed yet', atMs: null });
  return { state: 'active', owner: null, untilMs: null, usable: true, evidence: ev };
}

/** Counts per state (every state present, zero when none), plus the total. */
export function countStates(states: Iterable<AccountState>): Record<AccountState, number> & { total: number } {
  const out = Object.fromEntries(ACCOUNT_STATES.map((s) => [s, 0])) as Record<AccountState, number> & { total: number };
  let total = 0;
  for (const s of states) {
    out[s]++;
    total++;
  }
  out.total = total;
  return out;
}
