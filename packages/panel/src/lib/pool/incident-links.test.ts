import { describe, expect, it } from 'vitest';
import { shouldToast, subjectHref } from './incident-links';

describe('incident links and toasts', () => {
  it('links an account to the Accounts page when there is one, else to the pool drawer', () => {
    const link = { kind: 'account' as const, authIndex: 'a1b2c3d4e5f60718' };
    expect(subjectHref(link, ['pool', 'accounts'])).toBe('#/accounts?account=a1b2c3d4e5f60718');
    expect(subjectHref(link, ['pool'])).toBe('#/pool?account=a1b2c3d4e5f60718');
    expect(subjectHref({ kind: 'pool', provider: 'codex', plan: 'plus' })).toBe('#/pool?provider=codex');
    expect(subjectHref({ kind: 'key', hash: 'ab' })).toBe('#/aliases?key=ab');
    expect(subjectHref(null)).toBeNull();
  });
  it('toasts only new, loud, unmuted incidents', () => {
    const base = { event: 'opened', state: 'open', severity: 'warning' };
    expect(shouldToast(base)).toBe(true);
    expect(shouldToast({ ...base, severity: 'info' })).toBe(false);
    expect(shouldToast({ ...base, event: 'repeated' })).toBe(false);
    expect(shouldToast({ ...base, muted: true })).toBe(false);
    expect(shouldToast({ ...base, state: 'resolved', event: 'resolved' })).toBe(false);
    expect(shouldToast(null)).toBe(false);
  });
});
