// What a store test opens — stores and temporary directories — closed and removed after each test, so a failing
// assertion leaves no open database or stray files behind.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { openStore, type OpenStoreOptions, type Store } from '../../src/index';

interface Closable {
  close(): Promise<void>;
}

export interface TempStores {
  /** Closes s (and more) after the test, in this order; returns s. */
  track<S extends Closable>(s: S, ...more: Closable[]): S;
  /** Closes s now and stops tracking it (a test that reopens the same file). */
  close(s: Closable): Promise<void>;
  /** A fresh directory under the OS temp dir, removed after the test. */
  dir(prefix: string): string;
  /** `usage.sqlite` (or name) in a fresh temp directory. */
  path(prefix: string, name?: string): string;
  /** openStore, closed after the test. */
  open(options: OpenStoreOptions): Promise<Store>;
  /** An in-memory store, closed after the test. */
  memory(options?: Omit<OpenStoreOptions, 'path'>): Promise<Store>;
}

/** Registers the clean-up with the enclosing suite (the file, or the describe it is called in). */
export function tempStores(): TempStores {
  const stores: Closable[] = [];
  const dirs: string[] = [];
  afterEach(async () => {
    for (const s of stores.splice(0)) await s.close();
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  const track = <S extends Closable>(s: S, ...more: Closable[]): S => {
    stores.push(s, ...more);
    return s;
  };
  const dir = (prefix: string): string => {
    const d = mkdtempSync(join(tmpdir(), prefix));
    dirs.push(d);
    return d;
  };
  return {
    track,
    async close(s) {
      const i = stores.indexOf(s);
      if (i >= 0) stores.splice(i, 1);
      await s.close();
    },
    dir,
    path: (prefix, name = 'usage.sqlite') => join(dir(prefix), name),
    open: async (options) => track(await openStore(options)),
    memory: async (options = {}) => track(await openStore({ ...options, path: ':memory:' })),
  };
}
