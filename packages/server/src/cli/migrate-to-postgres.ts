// `cpamp migrate --to postgres://…`: copies the configured SQLite database into Postgres (offline, under the
// data-dir lock), prints progress per table and a verification table; exit 1 when a check does not match.
// The server is then pointed at Postgres with USAGE_DB_URL and the same data key.
import { existsSync } from 'node:fs';
import {
  copyFromSqlite,
  isStoreError,
  openStore,
  type CopyCheck,
  type CopyFromSqliteReport,
  type CopyProgress,
} from '@cpamp/store';
import type { Config } from '../config';
import { acquireDataDirLock } from '../data-dir-lock';
import { parseCommandArgs } from './import-export';
import type { CliIo, CliResult } from './run-cli';

export const MIGRATE_HELP_TEXT = `cpamp migrate --to <postgres-url> [--schema <name>] [--chunk-size <rows>] [flags]

Offline: copies this install's SQLite database (USAGE_DATA_DIR / USAGE_DB_PATH) into Postgres: every table
both schemas have (events, dictionaries, rollups, prices and their versions, aliases, settings with the
secrets still sealed, budgets, saved views, jobs, and pool / alerts where Postgres has those tables).
Chunked and resumable: an interrupted copy continues where it stopped when run again. At the end the row
counts and the token / cost sums of events and rollups are compared on both sides (exit 1 on a mismatch).
Refuses a target that holds other data. The SQLite database is only read (after its schema is brought up
to this version, as \`serve\` would).
Then run cpamp with USAGE_DB_URL=<postgres-url> and the SAME data key (data.key or CPA_MANAGER_DATA_KEY).
Refuses to run while a server holds the data directory (exit 3).`;

/** The URL without its password, for printing. */
function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparsable URL)';
  }
}

const pad = (s: string, n: number): string => (s.length >= n ? s : s + ' '.repeat(n - s.length));
const num = (n: number): string => n.toLocaleString('en-US');

function progressPrinter(io: CliIo, now: () => number): (p: CopyProgress) => void {
  let lastTable = '';
  let lastAt = 0;
  return (p) => {
    const t = now();
    // One line per table at most every second, and always its last one.
    if (p.table === lastTable && !p.done && t - lastAt < 1000) return;
    lastTable = p.table;
    lastAt = t;
    const rate = p.rate > 0 ? `, ${num(p.rate)} rows/s` : '';
    io.err.write(`  ${pad(p.table, 28)} ${num(p.copied)}/${num(p.total)} rows${rate}${p.done ? ' ✓' : ''}\n`);
  };
}

export function verificationTable(checks: readonly CopyCheck[]): string {
  const lines = [
    `  ${pad('table', 28)} ${pad('check', 22)} ${pad('sqlite', 16)} ${pad('postgres', 16)} result`,
  ];
  for (const c of checks)
    lines.push(
      `  ${pad(c.table, 28)} ${pad(c.check, 22)} ${pad(num(c.source), 16)} ${pad(num(c.target), 16)} ${c.ok ? 'ok' : 'MISMATCH'}`,
    );
  return `${lines.join('\n')}\n`;
}

function summary(io: CliIo, r: CopyFromSqliteReport, url: string, config: Config): void {
  const secs = r.elapsedMs / 1000;
  io.out.write(
    r.alreadyComplete
      ? `The target already holds a finished copy of this database: nothing to copy.\n`
      : `Copied ${num(r.rowsCopied)} rows in ${secs.toFixed(1)} s${secs > 0 ? ` (${num(Math.round(r.rowsCopied / secs))} rows/s)` : ''}.\n`,
  );
  io.out.write(`\nVerification (SQLite → Postgres):\n${verificationTable(r.checks)}`);
  for (const t of r.tables)
    if (t.sourceOnlyColumns.length > 0)
      io.out.write(
        `  note: ${t.table}: columns not copied (no Postgres column): ${t.sourceOnlyColumns.join(', ')}\n`,
      );
  if (r.notCopied.length > 0) io.out.write(`Not copied (no Postgres table): ${r.notCopied.join(', ')}\n`);
  io.out.write(
    r.managementKey === 'same'
      ? 'Management key: decrypts on Postgres with the same data key.\n'
      : 'Management key: none stored.\n',
  );
  if (!r.ok) {
    io.out.write(
      '\nSome checks do not match: the copy is incomplete or the target was changed. Do not switch yet.\n',
    );
    return;
  }
  const key =
    config.dataKey !== null ? 'CPA_MANAGER_DATA_KEY (as now)' : `the data key file ${config.dataKeyPath}`;
  io.out.write(`\nAll checks match. Next: run cpamp with USAGE_DB_URL=${redact(url)} and ${key}.\n`);
}

export async function migrateToPostgresCommand(args: readonly string[], io: CliIo): Promise<CliResult> {
  const { values, positionals, configArgs } = parseCommandArgs(args, {
    to: { type: 'string' },
    schema: { type: 'string' },
    'chunk-size': { type: 'string' },
  });
  const url = values.to as string | undefined;
  if (positionals.length > 0 || url === undefined || !/^postgres(ql)?:\/\//.test(url)) {
    io.err.write(
      'cpamp: migrate needs --to postgres://user:password@host:5432/database. Run `cpamp migrate --help`.\n',
    );
    return { code: 2 };
  }
  const chunk = values['chunk-size'] === undefined ? undefined : Number(values['chunk-size']);
  if (chunk !== undefined && !(Number.isInteger(chunk) && chunk > 0 && chunk <= 100_000)) {
    io.err.write('cpamp: --chunk-size must be a whole number of rows between 1 and 100000.\n');
    return { code: 2 };
  }
  const config = io.loadConfig(configArgs);
  if (!existsSync(config.dbPath)) {
    io.err.write(
      `cpamp: there is no SQLite database at ${config.dbPath} (set USAGE_DATA_DIR or USAGE_DB_PATH).\n`,
    );
    return { code: 2 };
  }
  const keyOpts = config.dataKey !== null ? { dataKey: config.dataKey } : { dataKeyPath: config.dataKeyPath };
  const lock = acquireDataDirLock(config.dataDir);
  try {
    // Brings the SQLite schema up to this version first (and checks the data key), as `serve` would.
    await (await openStore({ path: config.dbPath, ...keyOpts })).close();
    io.err.write(
      `Copying ${config.dbPath} → ${redact(url)}${values.schema ? ` (schema ${values.schema as string})` : ''}\n`,
    );
    const report = await copyFromSqlite({
      sqlitePath: config.dbPath,
      connectionString: url,
      ...(values.schema !== undefined ? { schema: values.schema as string } : {}),
      ...(chunk !== undefined ? { chunkSize: chunk } : {}),
      ...keyOpts,
      onProgress: progressPrinter(io, Date.now),
    });
    summary(io, report, url, config);
    return { code: report.ok ? 0 : 1 };
  } catch (error) {
    if (isStoreError(error)) {
      io.err.write(`cpamp: ${error.message}\n`);
      return { code: 1 };
    }
    throw error;
  } finally {
    lock.release();
  }
}
