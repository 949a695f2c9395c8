import { describe, expect, it } from 'vitest';
import { hrefFor, parseHash } from './routes';

describe('hash routes', () => {
  it('parses route and query, defaulting to the dashboard', () => {
    expect(parseHash('#/auth-files?provider=codex').route).toBe('auth-files');
    expect(parseHash('#/auth-files?provider=codex').query.get('provider')).toBe('codex');
    expect(parseHash('').route).toBe('dashboard');
    expect(parseHash('#/nope').route).toBe('dashboard');
  });

  it('builds hrefs that round-trip', () => {
    expect(hrefFor('dashboard')).toBe('#/');
    expect(parseHash(hrefFor('config', { tab: 'source' })).query.get('tab')).toBe('source');
  });
});

describe('menu groups', () => {
  it('has at most eight groups and lists every route exactly once', async () => {
    const { NAV_GROUP_IDS, groupRoutes, groupOf } = await import('./nav-groups');
    const { ROUTES } = await import('./routes');
    expect(NAV_GROUP_IDS.length).toBeLessThanOrEqual(8);
    const all = NAV_GROUP_IDS.flatMap((g) => groupRoutes(g));
    // Pool is folded into Accounts: its hash still opens a page, under the Accounts group, but no menu entry.
    const listed = ROUTES.filter((r) => r !== 'pool');
    expect([...all].sort()).toEqual([...listed].sort());
    for (const r of listed) expect(groupRoutes(groupOf(r))).toContain(r);
    expect(groupOf('pool')).toBe('accounts');
  });

  it('keeps every old route id as its own hash', () => {
    for (const r of ['requests', 'pool', 'auth-files', 'quota', 'aliases', 'error-logs'] as const) {
      expect(parseHash(hrefFor(r)).route).toBe(r);
    }
  });
});
