import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LOCK_FILE, acquireDataDirLock } from './data-dir-lock';
import { DataDirLockedError } from './errors';

const dirs: string[] = [];
const temp = () => {
  const d = mkdtempSync(join(tmpdir(), 'cpamp-lock-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('data dir lock', () => {
  it('refuses a second holder with a clear message and frees on release', () => {
    const dir = temp();
    const lock = acquireDataDirLock(dir);
    let error: unknown;
    try {
      acquireDataDirLock(dir);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DataDirLockedError);
    expect((error as Error).message).toMatch(new RegExp(`process ${process.pid}`));
    expect((error as Error).message).toMatch(/stop the other instance/);
    lock.release();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
    acquireDataDirLock(dir).release();
  });

  it('takes over a lock whose process is gone', async () => {
    const dir = temp();
    const child = spawn(process.execPath, ['-e', '0']);
    const pid = child.pid as number;
    await new Promise((r) => child.once('exit', r));
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid, host: hostname(), token: 't', startedAtMs: 0, processStartMs: 0 }));
    const lock = acquireDataDirLock(dir);
    expect(JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8')).pid).toBe(process.pid);
    lock.release();
  });

  it('treats our own pid from an earlier process life (container restart as pid 1) as stale', () => {
    const dir = temp();
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: process.pid, host: hostname(), token: 't', startedAtMs: 0, processStartMs: 12345 }));
    acquireDataDirLock(dir).release();
  });

  it('respects a fresh foreign-host lock and takes over a silent one', () => {
    const dir = temp();
    const path = join(dir, LOCK_FILE);
    writeFileSync(path, JSON.stringify({ pid: 1, host: 'other-host', token: 't', startedAtMs: 0, processStartMs: 0 }));
    expect(() => acquireDataDirLock(dir)).toThrow(/other-host/);
    const old = new Date(Date.now() - 60_000);
    utimesSync(path, old, old);
    acquireDataDirLock(dir).release();
  });
});
