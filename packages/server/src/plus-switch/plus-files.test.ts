// Plus's lock is seen in /proc/locks by device and inode; a Plus-shaped file is told from cpamp's by its schema.
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { plusLockHeld } from './plus-files';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('plusLockHeld', () => {
  it('matches the lock file by major:minor:inode in a /proc/locks listing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cpamp-lock-'));
    dirs.push(dir);
    const db = join(dir, 'usage.sqlite');
    writeFileSync(`${db}.manager.lock`, '');
    const st = statSync(`${db}.manager.lock`);
    const major = (Math.floor(st.dev / 256) & 0xfff).toString(16).padStart(2, '0');
    const minor = ((st.dev & 0xff) | ((st.dev >> 12) & 0xfff00)).toString(16).padStart(2, '0');
    const locks = join(dir, 'locks');
    writeFileSync(
      locks,
      `1: POSIX  ADVISORY  READ 10 fe:00:1 128 128\n2: FLOCK  ADVISORY  WRITE 2813 ${major}:${minor}:${st.ino} 0 EOF\n`,
    );
    expect(plusLockHeld(db, locks)).toBe(true);
    writeFileSync(locks, `2: FLOCK  ADVISORY  WRITE 2813 ${major}:${minor}:${st.ino + 1} 0 EOF\n`);
    expect(plusLockHeld(db, locks)).toBe(false);
    expect(plusLockHeld(join(dir, 'none.sqlite'), locks)).toBe(false);
  });
});
