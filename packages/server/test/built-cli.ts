// The real built `cpamp serve` (dist/cli.js) as a child process, for the end-to-end and failover tests.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const CLI = join(ROOT, 'packages', 'server', 'dist', 'cli.js');

/** `npm test` builds first; a bare `vitest run` after editing the server rebuilds its dist (or all of them, once). */
export function ensureBuilt(): void {
  const deps = ['sdk-cpa', 'store', 'collector', 'panel'].filter(
    (p) => !existsSync(join(ROOT, 'packages', p, 'dist')),
  );
  const stale =
    !existsSync(CLI) || changedSince(join(ROOT, 'packages', 'server', 'src'), statSync(CLI).mtimeMs);
  for (const pkg of [...deps, ...(stale ? ['store', 'server'] : [])]) {
    const r = spawnSync('npm', ['run', 'build', '--silent', '-w', `@cpamp/${pkg}`], {
      cwd: ROOT,
      stdio: 'pipe',
      encoding: 'utf8',
    });
    if (r.status !== 0) throw new Error(`building @cpamp/${pkg} failed:\n${r.stdout}\n${r.stderr}`);
  }
}
function changedSince(dir: string, ms: number): boolean {
  return readdirSync(dir, { recursive: true, withFileTypes: true }).some(
    (e) => e.isFile() && statSync(join(e.parentPath, e.name)).mtimeMs > ms,
  );
}

export interface ServeProc {
  child: ChildProcess;
  /** The base URL once the server printed it (rejects if it exits first). */
  url: Promise<string>;
  out: () => string;
  err: () => string;
  exit: Promise<number | null>;
}

/** Starts `cpamp serve` in `dataDir` on a free port with only `env` (plus PATH and the data dir) set. */
export function serveBuilt(dataDir: string, env: Record<string, string>, name = 'cpamp'): ServeProc {
  const child = spawn(process.execPath, [CLI, 'serve'], {
    cwd: dataDir,
    env: {
      PATH: process.env.PATH,
      USAGE_DATA_DIR: dataDir,
      HTTP_ADDR: '127.0.0.1:0',
      CPAMP_DOCKER: '0',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  const url = new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /cpamp (http:\/\/127\.0\.0\.1:\d+)\//.exec(out);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) =>
      reject(new Error(`${name} exited with ${code} before listening:\n${out}\n${err}`)),
    );
  });
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exit = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  url.catch(() => undefined);
  return { child, url, out: () => out, err: () => err, exit };
}
