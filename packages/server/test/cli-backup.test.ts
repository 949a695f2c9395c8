// `cpamp backup` while the server runs, `cpamp restore` while it is stopped, and the removal of old
// pre-migration copies once a server has started.
import { existsSync, readFileSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { generateUsage } from '@cpamp/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig, startServer, type RunningServer } from '../src/index';
import { EXIT, HELP, runCli } from '../src/testing';
import { memoryCliIo, tempDir } from './helpers';

const memoryIo = memoryCliIo;

const cleanups: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
function dir(): string {
  const d = tempDir('cpamp-cli-backup-');
  cleanups.push(d.cleanup);
  return d.path;
}
const countEvents = (dbPath: string): number => {
  const db = new Database(dbPath, { readonly: true });
  try {
    return (db.prepare('SELECT count(*) AS n FROM events').get() as { n: number }).n;
  } finally {
    db.close();
  }
};
async function importEvents(work: string, dataDir: string, events: number, seed: number): Promise<void> {
  const file = join(work, `records-${seed}.jsonl`);
  writeFileSync(file, `${[...generateUsage({ seed, events, days: 1 })].map((r) => JSON.stringify(r)).join('\n')}\n`);
  const io = memoryIo({}, work);
  expect((await runCli(['import', file, '--data-dir', dataDir], io)).code, io.errText()).toBe(EXIT.ok);
}
async function serve(work: string, dataDir: string): Promise<RunningServer> {
  const config = loadConfig({ env: { CPAMP_DOCKER: '0', CPAMP_LOG_LEVEL: 'silent' }, argv: ['--http-addr', '127.0.0.1:0', '--data-dir', dataDir], cwd: work });
  const server = await startServer(config, { out: { write: () => undefined } });
  cleanups.push(() => server.close());
  return server;
}

describe('cpamp backup / restore', () => {
  it('prints help for both commands and wants exactly one folder', async () => {
    const work = dir();
    for (const cmd of ['backup', 'restore']) {
      const io = memoryIo({}, work);
      expect((await runCli([cmd, '--help'], io)).code).toBe(EXIT.ok);
      expect(io.text()).toBe(`${HELP[cmd]}\n`);
      expect((await runCli([cmd], memoryIo({}, work))).code).toBe(EXIT.usage);
    }
  });

  it('backs up while the server runs, restores while it is stopped, and keeps the replaced files aside', async () => {
    const work = dir();
    const dataDir = join(work, 'data');
    await importEvents(work, dataDir, 300, 1);
    const server = await serve(work, dataDir);
    expect((await fetch(`${server.url}/health`)).ok).toBe(true);

    const backupDir = join(work, 'backup');
    const io = memoryIo({}, work);
    expect((await runCli(['backup', backupDir, '--data-dir', dataDir], io)).code, io.errText()).toBe(EXIT.ok);
    const manifest = JSON.parse(readFileSync(join(backupDir, 'backup.json'), 'utf8'));
    expect(manifest.files).toEqual({ database: 'cpamp.sqlite', dataKey: 'data.key', adminKey: 'admin-key.json', config: null });
    expect(countEvents(join(backupDir, 'cpamp.sqlite'))).toBe(300);
    expect(readFileSync(join(backupDir, 'data.key'))).toEqual(readFileSync(join(dataDir, 'data.key')));
    // A second backup into the same (now non-empty) folder is refused.
    expect((await runCli(['backup', backupDir, '--data-dir', dataDir], memoryIo({}, work))).code).toBe(EXIT.failure);

    // Restore needs the data directory: refused while the server holds it.
    const busy = memoryIo({}, work);
    expect((await runCli(['restore', backupDir, '--data-dir', dataDir], busy)).code).toBe(EXIT.locked);
    await server.close();

    await importEvents(work, dataDir, 200, 2); // changes after the backup, undone by the restore
    expect(countEvents(join(dataDir, 'cpamp.sqlite'))).toBe(500);
    const restore = memoryIo({}, work);
    expect((await runCli(['restore', backupDir, '--data-dir', dataDir], restore)).code, restore.errText()).toBe(EXIT.ok);
    expect(countEvents(join(dataDir, 'cpamp.sqlite'))).toBe(300);
    const aside = readdirSync(dataDir).filter((n) => n.startsWith('pre-restore-'));
    expect(aside).toHaveLength(1);
    expect(countEvents(join(dataDir, aside[0]!, 'cpamp.sqlite'))).toBe(500);

    // The restored data directory serves again, with the same data key (stored secrets stay readable).
    const again = await serve(work, dataDir);
    expect(((await (await fetch(`${again.url}/health`)).json()) as { status: string }).status).toBe('ok');
  });

  it('refuses a folder that is not a backup', async () => {
    const work = dir();
    const io = memoryIo({}, work);
    expect((await runCli(['restore', work, '--data-dir', join(work, 'data')], io)).code).toBe(EXIT.failure);
    expect(io.errText()).toMatch(/backup\.json/);
  });

  it('a successful start removes pre-migration copies from earlier starts', async () => {
    const work = dir();
    const dataDir = join(work, 'data');
    await importEvents(work, dataDir, 10, 3);
    const old = join(dataDir, 'cpamp.sqlite.pre-migration-20250101T000000Z.sqlite');
    writeFileSync(old, '');
    const hourAgo = (Date.now() - 3_600_000) / 1000;
    utimesSync(old, hourAgo, hourAgo);
    await serve(work, dataDir);
    expect(existsSync(old)).toBe(false);
  });
});
