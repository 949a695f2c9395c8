import { describe, expect, it } from 'vitest';
import { accountStatus, countStates, type AccountStatusInput } from './account-status';

const NOW = Date.UTC(2026, 11, 7, 0, 0, 0);
const base = (over: Partial<AccountStatusInput> = {}): AccountStatusInput => ({
  file: { disabled: false, cpaStatus: 'active', statusMessage: null },
  ownership: null,
  openIssues: [],
  windows: [],
  lastInspection: null,
  nowMs: NOW,
  ...over,
});
const owned = (kind: 'quota' | 'auth-issue', recoverAtMs: number | null = null) => ({ kind, reason: `${kind} reason`, disabledAtMs: NOW - 60_000, recoverAtMs });

describe('accountStatus', () => {
  it('is active with evidence when nothing is wrong, even before any probe', () => {
    const v = accountStatus(base({ file: { disabled: false, cpaStatus: null, statusMessage: null } }));
    expect(v).toMatchObject({ state: 'active', owner: null, usable: true });
    expect(v.evidence[0]!.source).toBe('none');
    expect(accountStatus(base({ lastInspection: { atMs: NOW, result: 'ok' } })).evidence[0]!.fact).toBe('inspection:ok');
  });

  it('tells a cooldown cpamp owns from a disable by cpamp and one by the user', () => {
    const disabled = { disabled: true, cpaStatus: 'disabled', statusMessage: null };
    expect(accountStatus(base({ file: disabled, ownership: owned('quota', NOW + 900_000) }))).toMatchObject({ state: 'cooldown', owner: 'cpamp', untilMs: NOW + 900_000, usable: false });
    expect(accountStatus(base({ file: disabled, ownership: owned('auth-issue') }))).toMatchObject({ state: 'disabled_by_cpamp', owner: 'cpamp' });
    expect(accountStatus(base({ file: disabled }))).toMatchObject({ state: 'disabled_by_user', owner: 'user' });
  });

  it('puts bad credentials first (banned > expired > unauthorized), whoever disabled them', () => {
    const issue = (i: 'banned' | 'expired' | 'unauthorized') => ({ issue: i, detail: `${i} detail`, lastSeenMs: NOW - 1 });
    expect(accountStatus(base({ openIssues: [issue('expired'), issue('banned')] })).state).toBe('banned');
    const expired = accountStatus(base({ file: { disabled: true, cpaStatus: 'disabled', statusMessage: null }, ownership: owned('auth-issue'), openIssues: [issue('expired')] }));
    expect(expired).toMatchObject({ state: 'expired', owner: 'cpamp', usable: false });
    expect(expired.evidence.map((e) => e.fact)).toEqual(['issue:expired', 'ownership:auth-issue']);
    expect(accountStatus(base({ lastInspection: { atMs: NOW, result: 'unauthorized' } })).state).toBe('unauthorized');
    expect(accountStatus(base({ lastInspection: { atMs: NOW, result: 'banned' } })).state).toBe('banned');
  });

  it('calls an enabled account out of quota exhausted until the latest reset; a past reset does not count', () => {
    const w = (window: string, usedPercent: number, resetAtMs: number | null) => ({ window, usedPercent, resetAtMs, observedAtMs: NOW - 1000, source: 'inspection' });
    const v = accountStatus(base({ windows: [w('5h', 100, NOW + 1000), w('weekly', 100, NOW + 5000), w('x', 10, null)] }));
    expect(v).toMatchObject({ state: 'exhausted', untilMs: NOW + 5000, usable: false });
    expect(v.evidence.map((e) => e.fact)).toEqual(['window:5h>=100%', 'window:weekly>=100%']);
    expect(accountStatus(base({ windows: [w('5h', 100, NOW - 1)] })).state).toBe('active');
    expect(accountStatus(base({ openIssues: [{ issue: 'exhausted', detail: 'd', lastSeenMs: NOW }], exhaustedUntilMs: NOW + 7 })).untilMs).toBe(NOW + 7);
    expect(accountStatus(base({ lastInspection: { atMs: NOW, result: 'exhausted' } })).state).toBe('exhausted');
  });

  it("shows CPA's own back-off as a cooldown owned by CPA, and errors from CPA or the probe", () => {
    const file = { disabled: false, cpaStatus: 'error', statusMessage: 'quota', unavailable: true, nextRetryAfterMs: NOW + 60_000 };
    expect(accountStatus(base({ file }))).toMatchObject({ state: 'cooldown', owner: 'cpa', untilMs: NOW + 60_000 });
    expect(accountStatus(base({ file: { ...file, unavailable: false } }))).toMatchObject({ state: 'error', usable: true });
    expect(accountStatus(base({ lastInspection: { atMs: NOW, result: 'error', detail: 'timeout' } })).evidence[0]!.detail).toBe('timeout');
  });

  it('counts every state', () => {
    const c = countStates(['active', 'active', 'banned']);
    expect(c).toMatchObject({ active: 2, banned: 1, cooldown: 0, total: 3 });
  });
});
