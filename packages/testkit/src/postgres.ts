// A throwaway PostgreSQL cluster for the Postgres tests (store, server, bench): initdb in a temp dir, a server on a
// unix socket inside it (no port to race for), torn down after the suite. CPAMP_TEST_PG_URL points
// the tests at an existing server instead; CPAMP_TEST_PG=off skips them (CI installs postgresql).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

export interface TestPostgres {
  /** Connection string of a database created for this run. */
  url: string;
  /** How long start-up took (initdb + server + CREATE DATABASE), ms. */
  startMs: number;
  stop(): Promise<void>;
}

export const pgTestsDisabled = (): boolean => process.env.CPAMP_TEST_PG === 'off';

function findBinDir(): string | null {
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const versions = readdirSync(root)
      .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
      .sort((a, b) => Number(b) - Number(a));
    if (versions[0]) return join(root, versions[0], 'bin');
  }
  const which = spawnSync('sh', ['-c', 'command -v initdb'], { encoding: 'utf8' });
  const p = which.stdout.trim();
  return which.status === 0 && p ? p.replace(/\/initdb$/, '') : null;
}

/** initdb and postgres refuse to run as root: then run them as the `postgres` system user. */
function asServerUser(): { prefix: string[]; uid: number; gid: number } | null {
  if (process.getuid?.() !== 0) return null;
  const id = (flag: string) =>
    Number(spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' }).stdout.trim());
  const uid = id('-u');
  const gid = id('-g');
  if (!Number.isInteger(uid) || uid <= 0) {
    throw new Error(
      'The Postgres tests run as root, but initdb refuses root and there is no "postgres" system user. ' +
        'Run the tests as a normal user, create the user, set CPAMP_TEST_PG_URL, or set CPAMP_TEST_PG=off to skip them.',
    );
  }
  return { prefix: ['setpriv', '--reuid=postgres', '--regid=postgres', '--init-groups', '--'], uid, gid };
}

async function waitReady(url: string, server: ChildProcess, log: () => string): Promise<void> {
  const until = Date.now() + 20_000;
  for (;;) {
    if (server.exitCode !== null)
      throw new Error(`postgres exited (${server.exitCode}) during start-up:\n${log()}`);
    const c = new pg.Client({ connectionString: url });
    try {
      await c.connect();
      await c.end();
      return;
    } catch (e) {
      await c.end().catch(() => {});
      if (Date.now() > until)
        throw new Error(`postgres did not accept connections in 20 s: ${String(e)}\n${log()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

export interface TestPostgresOptions {
  /**
   * Extra server settings (`-c name=value`), applied after the test defaults so they override them; e.g. the
   * scale benchmark's `{ shared_buffers: '512MB', work_mem: '64MB' }`.
   */
  settings?: Record<string, string | number>;
  /**
   * Keep the cluster in this directory (its data in `<dir>/data`, the socket in `<dir>`): created by initdb when
   * missing, re-started when present, and left in place by stop(), so a benchmark can measure the same loaded
   * data again later. Without it the cluster lives in a temp dir that stop() removes. (As root, the `postgres`
   * user must be able to reach it: its parents must be world-searchable, as /tmp is.)
   */
  dir?: string;
}

export async function startTestPostgres(options: TestPostgresOptions = {}): Promise<TestPostgres> {
  const t0 = performance.now();
  const external = process.env.CPAMP_TEST_PG_URL;
  if (external) return { url: external, startMs: performance.now() - t0, stop: async () => {} };

  const bin = findBinDir();
  if (!bin) {
    throw new Error(
      'PostgreSQL binaries (initdb, postgres) were not found in /usr/lib/postgresql/*/bin or on PATH. ' +
        'Install them (`apt-get install postgresql`, as .ci/run does), set CPAMP_TEST_PG_URL to an existing ' +
        'server, or set CPAMP_TEST_PG=off to skip the Postgres tests.',
    );
  }
  const user = asServerUser();
  // The server user must reach the socket directory: as root, use /tmp rather than a private TMPDIR.
  const persistent = options.dir !== undefined;
  if (persistent) mkdirSync(options.dir!, { recursive: true });
  const dir = options.dir ?? mkdtempSync(join(user ? '/tmp' : tmpdir(), 'cpamp-pg-'));
  if (user) chownSync(dir, user.uid, user.gid);
  const data = join(dir, 'data');
  const fresh = !existsSync(join(data, 'PG_VERSION'));
  const removeDir = () => {
    if (!persistent) rmSync(dir, { recursive: true, force: true });
  };
  const run = (cmd: string, args: string[]) => (user ? [...user.prefix, cmd, ...args] : [cmd, ...args]);

  const [initCmd, ...initArgs] = run(join(bin, 'initdb'), [
    '-D',
    data,
    '-U',
    'postgres',
    '-A',
    'trust',
    '-E',
    'UTF8',
    '--locale=C',
    '--no-sync',
    '--no-instructions',
  ]);
  const init = fresh ? spawnSync(initCmd!, initArgs, { encoding: 'utf8' }) : null;
  if (init && init.status !== 0) {
    removeDir();
    throw new Error(`initdb failed (${init.status}): ${init.stderr || init.stdout}`);
  }

  // Durability off and small buffers: a test cluster that starts in well under a second.
  const [srvCmd, ...srvArgs] = run(join(bin, 'postgres'), [
    '-D',
    data,
    '-k',
    dir,
    '-p',
    '5432',
    '-c',
    'listen_addresses=',
    '-c',
    'fsync=off',
    '-c',
    'synchronous_commit=off',
    '-c',
    'full_page_writes=off',
    '-c',
    'shared_buffers=16MB',
    '-c',
    'max_connections=40',
    ...Object.entries(options.settings ?? {}).flatMap(([k, v]) => ['-c', `${k}=${v}`]),
  ]);
  let output = '';
  const server = spawn(srvCmd!, srvArgs, { stdio: ['ignore', 'pipe', 'pipe'] });
  server.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  server.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const killOnExit = () => server.kill('SIGQUIT');
  process.once('exit', killOnExit);

  const stop = async () => {
    process.removeListener('exit', killOnExit);
    if (server.exitCode === null) {
      const exited = new Promise((r) => server.once('exit', r));
      server.kill('SIGINT'); // fast shutdown
      // A kept cluster (fsync off) must finish its shutdown checkpoint: a kill would leave it unusable.
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([exited, new Promise((r) => (timer = setTimeout(r, persistent ? 600_000 : 5000)))]);
      clearTimeout(timer);
      if (server.exitCode === null) server.kill('SIGKILL');
    }
    removeDir();
  };

  const socketUrl = (db: string) => `postgresql://postgres@${encodeURIComponent(dir)}/${db}`;
  try {
    await waitReady(socketUrl('postgres'), server, () => output);
    const c = new pg.Client({ connectionString: socketUrl('postgres') });
    await c.connect();
    const exists = (await c.query(`SELECT 1 FROM pg_database WHERE datname = 'cpamp_test'`)).rowCount;
    if (!exists) await c.query('CREATE DATABASE cpamp_test');
    await c.end();
  } catch (e) {
    await stop();
    throw e;
  }
  return { url: socketUrl('cpamp_test'), startMs: performance.now() - t0, stop };
}
