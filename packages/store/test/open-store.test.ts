import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { isStoreError, openStore } from '../src/index';
import { makeEvent } from './helpers/events';
import { tempStores } from './helpers/temp-stores';

const temp = tempStores();
/** A second, read-only look at the file: what is on disk, not what the store says. */
const settingValue = (path: string, key: string): string | undefined => {
  const db = new Database(path, { readonly: true });
  try {
    return (db.prepare('SELECT value FROM settings WHERE key = ?').pluck().get(key) as string | undefined) ?? undefined;
  } finally {
    db.close();
  }
};
const tmp = () => temp.dir('cpamp-store-');

describe('openStore', () => {
  it('opens a file database in WAL mode, creates data.key 0600 and re-opens idempotently', async () => {
    const dir = tmp();
    const path = join(dir, 'usage.sqlite');
    const s1 = await openStore({ path });
    await s1.insertBatch([makeEvent()]);
    expect(settingValue(path, 'data_key_check')).toBeDefined();
    await s1.close();
    expect(statSync(join(dir, 'data.key')).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'data.key')).size).toBe(32);
    const s2 = await temp.open({ path });
    expect(await s2.events.count()).toBe(1);
    const file = new Database(path, { readonly: true });
    expect(file.pragma('journal_mode', { simple: true })).toBe('wal');
    file.close();
  });

  it('encrypts the CPA management key and refuses a data key that does not match', async () => {
    const dir = tmp();
    const path = join(dir, 'usage.sqlite');
    const s1 = await openStore({ path, dataKeyPath: join(dir, 'k1') });
    await s1.settings.setManagementKey('secret-management-key');
    expect(await s1.settings.getManagementKey()).toBe('secret-management-key');
    const raw = settingValue(path, 'cpa_management_key');
    expect(raw).toBeDefined();
    expect(raw).not.toContain('secret-management-key');
    await s1.close();

    writeFileSync(join(dir, 'k2'), Buffer.alloc(32, 7));
    const err = await openStore({ path, dataKeyPath: join(dir, 'k2') }).catch((e: unknown) => e);
    expect(isStoreError(err) && err.code).toBe('data_key_mismatch');
    expect((err as Error).message).toMatch(/does not match/);

    const s3 = await temp.open({ path, dataKeyPath: join(dir, 'k1') });
    expect(await s3.settings.getManagementKey()).toBe('secret-management-key');
  });

  it('accepts an env-provided key (hex, or any text as Plus derives it) and rejects an empty one', async () => {
    const dir = tmp();
    const s = await temp.open({ path: join(dir, 'a.sqlite'), dataKey: 'ab'.repeat(32) });
    await s.settings.setManagementKey('k');
    expect(await s.settings.getManagementKey()).toBe('k');
    const err = await openStore({ path: join(dir, 'b.sqlite'), dataKey: '  ' }).catch((e: unknown) => e);
    expect(isStoreError(err) && err.code).toBe('data_key_invalid');
    const derived = await temp.open({ path: join(dir, 'c.sqlite'), dataKey: 'a plus passphrase' });
    await derived.settings.setManagementKey('k2');
    expect(await derived.settings.getManagementKey()).toBe('k2');
  });

  it('throws store_closed after close', async () => {
    const s = await openStore({ path: ':memory:' });
    await s.close();
    await expect(s.insertBatch([makeEvent()])).rejects.toThrowError(
      expect.objectContaining({ code: 'store_closed' }),
    );
  });
});
