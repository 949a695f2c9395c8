// openStore in a fresh directory: the README snippet's path has no parent folder yet.
import { chmodSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isStoreError, openStore } from '../src/index';
import { tempStores } from './helpers/temp-stores';

const temp = tempStores();
const tmp = () => temp.dir('cpamp-store-paths-');

describe('openStore paths', () => {
  it('creates the parent folders of the database and of dataKeyPath', async () => {
    const dir = tmp();
    const store = await openStore({
      path: join(dir, 'data', 'nested', 'usage.sqlite'),
      dataKeyPath: join(dir, 'keys', 'data.key'),
    });
    await store.close();
    expect(existsSync(join(dir, 'data', 'nested', 'usage.sqlite'))).toBe(true);
    expect(existsSync(join(dir, 'keys', 'data.key'))).toBe(true);
  });

  it('reports a data key path it cannot create as a store error naming the path', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'not-a-dir'), 'x');
    const err = await openStore({
      path: join(dir, 'usage.sqlite'),
      dataKeyPath: join(dir, 'not-a-dir', 'data.key'),
    }).catch((e: unknown) => e);
    expect(isStoreError(err) && err.code).toBe('open_failed');
    expect((err as Error).message).toContain(join(dir, 'not-a-dir', 'data.key'));
  });

  it('says "the file" only for a key that came from a file', async () => {
    const dir = tmp();
    const fromValue = await openStore({ path: join(dir, 'a.sqlite'), dataKey: ' ' }).catch((e: unknown) => e);
    expect(isStoreError(fromValue) && fromValue.code).toBe('data_key_invalid');
    expect((fromValue as Error).message).not.toContain('the file');
    writeFileSync(join(dir, 'bad.key'), 'short');
    chmodSync(join(dir, 'bad.key'), 0o600);
    const fromFile = await openStore({
      path: join(dir, 'b.sqlite'),
      dataKeyPath: join(dir, 'bad.key'),
    }).catch((e: unknown) => e);
    expect(isStoreError(fromFile) && fromFile.code).toBe('data_key_invalid');
    expect((fromFile as Error).message).toContain('remove the file');
  });
});
