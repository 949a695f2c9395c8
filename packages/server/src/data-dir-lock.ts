// One server per data directory. Node has no flock, so: an exclusively created lock file holding
// {pid, host, token}; the holder touches it every few seconds. A lock is stale when its pid is gone (same
// host), when it is our own pid from an earlier life (a container restarted as pid 1), or when a holder on
// another host stopped touching it.
import { randomUUID } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, statSync, unlinkSync, utimesSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { DataDirLockedError, ServerError } from './errors';

export const LOCK_FILE = 'cpamp.lock';

export interface DataDirLock {
  readonly path: string;
  release(): void;
}

export interface LockOptions {
  /** How often the holder touches the lock file (ms). */
  heartbeatMs?: number;
  /** A foreign-host lock older than this is stale (ms). */
  staleAfterMs?: number;
  now?: () => number;
}

interface LockContent {
  pid: number;
  host: string;
  token: string;
  startedAtMs: number;
  processStartMs: number;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readLock(path: string): LockContent | null {
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockContent>;
    if (typeof parsed.pid === 'number' && typeof parsed.host === 'string' && typeof parsed.token === 'string') {
      return parsed as LockContent;
    }
    return null;
  } catch {
    return null;
  }
}

/** Wall-clock start of this process (ms); with the pid it identifies one process life. */
function processStartMs(): number {
  return Math.round(Date.now() - process.uptime() * 1000);
}

export function acquireDataDirLock(dataDir: string, options: LockOptions = {}): DataDirLock {
  const heartbeatMs = options.heartbeatMs ?? 5_000;
  const staleAfterMs = options.staleAfterMs ?? 30_000;
  const now = options.now ?? Date.now;
  try {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw new ServerError('data_dir_unusable', `Cannot create the data directory ${dataDir}: ${(error as Error).message}. Check USAGE_DATA_DIR and its permissions.`, { cause: error });
  }
  const path = join(dataDir, LOCK_FILE);
  const content: LockContent = { pid: process.pid, host: hostname(), token: randomUUID(), startedAtMs: now(), processStartMs: processStartMs() };

  for (let attempt = 0; attempt < 3; attempt += 1) {
    let fd: number;
    try {
      fd = openSync(path, 'wx', 0o600);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'EEXIST') {
        // A CPA Manager Plus volume is owned by root (Plus's image runs as root); cpamp's image does not.
        const plusVolume = (error as NodeJS.ErrnoException).code === 'EACCES' && existsSync(join(dataDir, 'usage.sqlite'));
        throw new ServerError(
          'data_dir_unusable',
          `Cannot create the lock file ${path}: ${(error as Error).message}. Check the data directory's permissions.` +
            (plusVolume
              ? ` This looks like a CPA Manager Plus volume, which Plus's image writes as root: run cpamp with \`user: "0:0"\` in compose, or give the volume to cpamp's user once (\`docker compose run --rm --user 0 --entrypoint chown <service> -R cpamp:cpamp /data\`; see docs/guides/migrate-from-plus.md).`
              : ''),
          { cause: error },
        );
      }
      const holder = readLock(path);
      if (holder && !isStale(path, holder, staleAfterMs, now)) throw new DataDirLockedError(path, holder.pid, holder.host);
      if (!holder) {
        // Unreadable: possibly being written right now. Treat as stale only when old.
        let age = Infinity;
        try {
          age = now() - statSync(path).mtimeMs;
        } catch {
          age = Infinity;
        }
        if (age < 2_000) throw new DataDirLockedError(path, null, null);
      }
      try {
        unlinkSync(path);
      } catch {
        // Someone else removed it first; retry the exclusive create.
      }
      continue;
    }
    writeSync(fd, JSON.stringify(content));
    closeSync(fd);
    const timer = setInterval(() => {
      try {
        const t = new Date(now());
        utimesSync(path, t, t);
      } catch {
        // The file vanished (deleted by hand); nothing sensible to do but keep serving.
      }
    }, heartbeatMs);
    timer.unref();
    let released = false;
    return {
      path,
      release() {
        if (released) return;
        released = true;
        clearInterval(timer);
        const current = readLock(path);
        if (current?.token === content.token) {
          try {
            unlinkSync(path);
          } catch {
            // already gone
          }
        }
      },
    };
  }
  throw new DataDirLockedError(path, null, null);
}

function isStale(path: string, holder: LockContent, staleAfterMs: number, now: () => number): boolean {
  if (holder.host === hostname()) {
    // Our own pid: held by this very process (a second app in one process), or by an earlier life of the
    // pid (a container restarted as pid 1) — the process start time tells them apart.
    if (holder.pid === process.pid) return Math.abs((holder.processStartMs ?? 0) - processStartMs()) > 1_000;
    return !isAlive(holder.pid);
  }
  try {
    return now() - statSync(path).mtimeMs > staleAfterMs;
  } catch {
    return true;
  }
}
