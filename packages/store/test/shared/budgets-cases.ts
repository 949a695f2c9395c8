// Budgets, enforcement holds, the budget log and share links: the same assertions on SQLite and Postgres.
import { describe, expect, it } from 'vitest';
import type { PgStoreRepositories } from '../../src/index';
import type { SuiteOpenOptions } from './repository-suite';

const H1 = 'a'.repeat(64);
const H2 = 'b'.repeat(64);

export function defineBudgetsCases(
  fresh: (opts?: SuiteOpenOptions) => Promise<PgStoreRepositories>,
  openStore: (opts?: SuiteOpenOptions) => Promise<{ store: PgStoreRepositories; location: string }>,
): void {
  describe('budgets', () => {
    it('sets, replaces, lists and deletes a budget per key', async () => {
      let clock = 1_000;
      const s = await fresh({ now: () => clock });
      expect(await s.budgets.list()).toEqual([]);
      const b = await s.budgets.set(H1, { period: 'month', limitMicros: 5_000_000, enforce: false });
      expect(b).toEqual({ keyHash: H1, period: 'month', limitMicros: 5_000_000, enforce: false, createdAtMs: 1_000, updatedAtMs: 1_000 });
      clock = 2_000;
      await s.budgets.set(H2, { period: 'week', limitMicros: 1, enforce: true });
      const b2 = await s.budgets.set(H1, { period: 'week', limitMicros: 9_000_000_000, enforce: true });
      expect(b2).toEqual({ keyHash: H1, period: 'week', limitMicros: 9_000_000_000, enforce: true, createdAtMs: 1_000, updatedAtMs: 2_000 });
      expect((await s.budgets.list()).map((x) => x.keyHash)).toEqual([H1, H2]);
      expect(await s.budgets.get(H2)).toMatchObject({ enforce: true, limitMicros: 1 });
      expect(await s.budgets.delete(H2)).toBe(true);
      expect(await s.budgets.delete(H2)).toBe(false);
      expect(await s.budgets.get(H2)).toBeUndefined();
    });

    it('keeps a hold with its key encrypted, across a reopen', async () => {
      const { store: s, location } = await openStore();
      await s.budgets.putHold({ keyHash: H1, key: 'sk-secret-1', removedAtMs: 10, restoreAtMs: 20 });
      expect(await s.budgets.listHolds()).toEqual([{ keyHash: H1, removedAtMs: 10, restoreAtMs: 20 }]);
      await s.close();
      const s2 = await fresh({ location });
      expect(await s2.budgets.holdKey(H1)).toBe('sk-secret-1');
      expect(await s2.budgets.holdKey(H2)).toBeNull();
      expect(await s2.budgets.dropHold(H1)).toBe(true);
      expect(await s2.budgets.listHolds()).toEqual([]);
    });

    it('logs actions newest first, per key and paged', async () => {
      const s = await fresh({ now: () => 5 });
      const a = await s.budgets.logAction({ keyHash: H1, action: 'removed', ok: true, detail: 'at budget' });
      await s.budgets.logAction({ keyHash: H2, action: 'remove-failed', ok: false, detail: 'CPA down' });
      const c = await s.budgets.logAction({ keyHash: H1, action: 'restored', ok: true, detail: 'new period' });
      expect(a).toEqual({ id: a.id, atMs: 5, keyHash: H1, action: 'removed', ok: true, detail: 'at budget' });
      expect((await s.budgets.listLog()).map((r) => r.action)).toEqual(['restored', 'remove-failed', 'removed']);
      expect((await s.budgets.listLog({ keyHash: H1 })).map((r) => r.id)).toEqual([c.id, a.id]);
      expect((await s.budgets.listLog({ beforeId: c.id, limit: 1 })).map((r) => r.action)).toEqual(['remove-failed']);
    });

    it('finds a share link by its token hash until it is revoked', async () => {
      let clock = 100;
      const s = await fresh({ now: () => clock });
      const link = await s.budgets.createShare({ keyHash: H1, tokenHash: 'f'.repeat(64), tokenPrefix: 'abcd1234', label: 'Bob' });
      expect(link).toEqual({ id: link.id, keyHash: H1, tokenPrefix: 'abcd1234', label: 'Bob', createdAtMs: 100, revokedAtMs: null, lastUsedAtMs: null });
      await s.budgets.createShare({ keyHash: H2, tokenHash: 'e'.repeat(64), tokenPrefix: 'zz', label: null });
      expect(await s.budgets.findShare('f'.repeat(64))).toEqual(link);
      expect(await s.budgets.findShare('0'.repeat(64))).toBeUndefined();
      await s.budgets.touchShare(link.id, 150);
      expect((await s.budgets.listShares({ keyHash: H1 })).map((l) => l.lastUsedAtMs)).toEqual([150]);
      expect(await s.budgets.listShares()).toHaveLength(2);
      clock = 200;
      expect(await s.budgets.revokeShare(link.id)).toMatchObject({ revokedAtMs: 200 });
      expect(await s.budgets.findShare('f'.repeat(64))).toBeUndefined();
      expect(await s.budgets.revokeShare(9999)).toBeUndefined();
    });
  });
}
