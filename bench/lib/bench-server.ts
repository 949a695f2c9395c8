// The built `cpamp serve` as a bench child: a free port, the bench's admin key, none of the caller's CPA or
// data-key variables, killed if the bench dies (an orphan would hold the data-dir lock); waiting for it to
// answer, and stopping it.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('../..', import.meta.url).pathname;
export const BENCH_CLI = join(root, 'packages/server/dist/cli.js');
/** The server benches' admin key (server, ab-views, rss-breakdown, p7-probe): their data dirs are shared. */
export const BENCH_ADMIN_KEY = 'cpamp_bench_admin_key_0123456789abcdef';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Exits (2) when a built file the bench runs against is missing. */
export function requireBuilt(files: string[]): void {
  for (const f of files) {
    if (!existsSync(f)) {
      console.error(`missing ${f}: run \`npm run build\` first (npm run bench does it)`);
      process.exit(2);
    }
  }
}

export interface BenchServer {
  proc: ChildProcess;
  /** The base URL once the server listens (rejects if it exits first). */
  url: Promise<string>;
}

export function spawnBenchServer(
  dataDir: string,
  adminKey: string,
  env: Record<string, string> = {},
): BenchServer {
  const base: Record<string, string | undefined> = { ...process.env };
  for (const k of [
    'CPA_UPSTREAM_URL',
    'CPA_MANAGEMENT_KEY',
    'CPA_MANAGEMENT_KEY_FILE',
    'CPAMP_DATA_KEY',
    'CPA_MANAGER_DATA_KEY',
  ])
    delete base[k];
  // BENCH_SERVER_CLI: another build of the server (an A/B against another tree's dist).
  const proc = spawn(process.execPath, [process.env.BENCH_SERVER_CLI ?? BENCH_CLI, 'serve'], {
    cwd: dataDir,
    env: {
      ...base,
      USAGE_DATA_DIR: dataDir,
      HTTP_ADDR: '127.0.0.1:0',
      CPAMP_ADMIN_KEY: adminKey,
      LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  process.once('exit', () => proc.exitCode === null && proc.kill('SIGKILL'));
  let out = '';
  const url = new Promise<string>((resolve, reject) => {
    const onData = (c: Buffer) => {
      out += c.toString();
      const m = /http:\/\/127\.0\.0\.1:\d+/.exec(out);
      if (m) resolve(m[0]);
    };
    proc.stdout!.on('data', onData);
    proc.stderr!.on('data', onData);
    proc.once('exit', (code) =>
      reject(new Error(`server exited with ${code} before listening:\n${out.slice(-2000)}`)),
    );
  });
  return { proc, url };
}

/** Polls /status until the column cache is warm (or `tries` × 100 ms pass); returns the last state seen. */
export async function waitForWarmCache(base: string, adminKey: string, tries = 1200): Promise<string> {
  let cache = 'unknown';
  for (let i = 0; i < tries; i++) {
    try {
      const s = (await (
        await fetch(`${base}/status`, { headers: { authorization: `Bearer ${adminKey}` } })
      ).json()) as {
        eventCache?: unknown;
      };
      cache = String(s.eventCache);
      if (cache === 'warm' || cache === 'null') break;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return cache;
}

/** Polls `/health` every 5 ms until it answers 200 (the P7 figure's end point). */
export async function waitForHealth(base: string): Promise<void> {
  for (;;) {
    try {
      if ((await fetch(`${base}/health`)).status === 200) return;
    } catch {
      // not listening yet
    }
    await sleep(5);
  }
}

/** SIGTERM, then SIGKILL if the server has not exited within `graceMs`. */
export async function stopBenchServer(proc: ChildProcess, graceMs = 15_000): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise((r) => proc.once('exit', r));
  proc.kill('SIGTERM');
  await Promise.race([exited, sleep(graceMs)]);
  if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
}
