// Telling a CPA Manager Plus database from cpamp's own, and whether Plus is still running on it. Plus holds
// an flock(2) on `<usage.sqlite>.manager.lock` while it runs; Node has no flock, but Linux lists every held
// lock in /proc/locks by device and inode, which is enough to see it without touching the file.
import { closeSync, existsSync, openSync, readFileSync, readSync, statSync } from 'node:fs';

const HEAD_BYTES = 2 * 1024 * 1024;

function head(path: string): Buffer | null {
  let size: number;
  try {
    size = statSync(path).size;
  } catch {
    return null;
  }
  if (size < 32) return null;
  const buf = Buffer.alloc(Math.min(size, HEAD_BYTES));
  const fd = openSync(path, 'r');
  try {
    readSync(fd, buf, 0, buf.length, 0);
  } finally {
    closeSync(fd);
  }
  return buf;
}

/**
 * A Plus (or CPA-Manager) usage.sqlite: an SQLite file whose schema has usage_events and not cpamp's migration
 * table. The schema sits at the start of the file, or — right after Plus created it — in the -wal's first pages.
 */
export function isPlusDatabase(dbPath: string): boolean {
  const main = head(dbPath);
  if (!main || !main.subarray(0, 16).equals(Buffer.from('SQLite format 3\0', 'latin1'))) return false;
  if (main.includes('kysely_migration')) return false;
  if (main.includes('usage_events')) return true;
  const wal = head(`${dbPath}-wal`);
  return wal !== null && wal.includes('usage_events') && !wal.includes('kysely_migration');
}

export const PLUS_LOCK_SUFFIX = '.manager.lock';

/**
 * True when a process holds a lock on Plus's lock file (Plus is running). Reads /proc/locks (Linux); elsewhere
 * it cannot tell and answers false.
 */
export function plusLockHeld(dbPath: string, procLocks = '/proc/locks'): boolean {
  const lockPath = `${dbPath}${PLUS_LOCK_SUFFIX}`;
  if (!existsSync(lockPath) || !existsSync(procLocks)) return false;
  const st = statSync(lockPath);
  // /proc/locks names the file as major:minor:inode, major and minor in hex.
  const major = Math.floor(st.dev / 256) & 0xfff;
  const minor = (st.dev & 0xff) | ((st.dev >> 12) & 0xfff00);
  const inode = String(st.ino);
  let text: string;
  try {
    text = readFileSync(procLocks, 'utf8');
  } catch {
    return false;
  }
  for (const line of text.split('\n')) {
    const parts = line.trim().split(/\s+/);
    const id = parts.find((p) => /^[0-9a-f]+:[0-9a-f]+:\d+$/.test(p));
    if (!id) continue;
    const [maj, min, ino] = id.split(':') as [string, string, string];
    if (ino === inode && parseInt(maj, 16) === major && parseInt(min, 16) === minor) return true;
  }
  return false;
}
