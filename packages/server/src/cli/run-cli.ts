// The `cpamp` command line. Exit codes: 0 success, 1 runtime failure, 2 usage or configuration error,
// 3 the data directory is locked by another cpamp process.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { CONFIG_FLAGS, configFlagHelp, type Config } from '../config';
import { acquireDataDirLock } from '../data-dir-lock';
import { isConfigError, isServerError } from '../errors';
import { startServer, type RunningServer } from '../main';
import { resetAdminKey } from '../security/admin-credential';
import { packageVersion } from '../version';
import { backupCommand, restoreCommand } from './backup';
import { doctorCommand } from './doctor';
import { exportCommand, importCommand } from './import-export';
import { migrateFromPlusCommand } from './migrate';
import { MIGRATE_HELP_TEXT, migrateToPostgresCommand } from './migrate-to-postgres';

export const EXIT = { ok: 0, failure: 1, usage: 2, locked: 3 } as const;

export interface CliIo {
  out: { write(chunk: string): void };
  err: { write(chunk: string): void };
  /** Config loader (the entry passes the real environment; tests pass their own). */
  loadConfig(argv: readonly string[]): Config;
}

/** What a long-running command leaves behind: the caller waits on `done` (signals resolve it). */
export interface CliResult {
  code: number;
  server?: RunningServer;
  /** For `demo`: stops the fake CPA as well. */
  stop?: () => Promise<void>;
}

const CONFIG_FLAG_HELP = configFlagHelp();

const EXIT_HELP = `Exit codes: 0 success, 1 runtime failure, 2 usage or configuration error, 3 data directory locked.`;

export const HELP: Record<string, string> = {
  main: `cpamp ${'<command>'} [options]

The cpamp Manager Server for CLIProxyAPI (CPA).

Commands:
  serve             run the Manager Server (the default deployment)
  demo              run a local demo: a simulated CPA with generated traffic and a server wired to it
  reset-admin-key   write a new admin key while the server is stopped, and print it once
  import <file>     import usage (our JSONL, Plus/CPA-Manager JSONL, raw CPA records, legacy snapshot JSON)
  export            write every event as JSONL to a file or stdout
  migrate-from-plus carry a Plus / CPA-Manager usage.sqlite over (events and settings; Plus's files untouched)
  migrate --to <url> copy this install's SQLite database into Postgres (resumable, verified)
  doctor            check the CPA connection and why monitoring might be empty
  backup <dir>      copy the database, data.key, admin key and config into <dir> (works while serving)
  restore <dir>     put a backup back into the data directory (server stopped; replaced files kept aside)
  help [command]    show help for a command

Options:
  -h, --help        show help
  -v, --version     print the version

${EXIT_HELP}`,
  serve: `cpamp serve [flags]

Runs the Manager Server: the panel at /management.html, the usage and analytics APIs, and the proxy to CPA.
On first start it creates an admin key and prints it once (or takes CPAMP_ADMIN_KEY / CPA_MANAGER_ADMIN_KEY).
Stops gracefully on SIGTERM / SIGINT.

${CONFIG_FLAG_HELP}

${EXIT_HELP}`,
  'reset-admin-key': `cpamp reset-admin-key [--admin-key <key> | --admin-key-file <file>] [flags]

Offline: writes a new admin key hash into the data directory and prints a generated key once.
Refuses to run while a server holds the data directory. A key you pass in is never echoed.

${CONFIG_FLAG_HELP}

${EXIT_HELP}`,
  import: `cpamp import <file> [flags]

Offline: imports usage into the data directory. The format is detected: our JSONL export, Plus / CPA-Manager
JSONL exports, raw CPA queue records (one per line), a legacy usage snapshot JSON, or a usage.sqlite.
Duplicates (already imported events) are skipped. Progress goes to stderr, the summary to stdout.
A line that is not JSON stops the import with its line number (exit 1); chunks before it stay committed.
Refuses to run while a server holds the data directory (exit 3).

${CONFIG_FLAG_HELP}

${EXIT_HELP}`,
  export: `cpamp export [--out <file>] [--from <ms>] [--to <ms>] [--format cpamp|plus] [flags]

Offline: streams every event (or those with from <= timestamp < to, epoch ms) as JSONL to <file> or stdout.
The output re-imports with \`cpamp import\`. With --format plus, the lines are CPA Manager Plus's export
format, which Plus's import takes (events that came from Plus keep their hash, so Plus skips them).
Refuses to run while a server holds the data directory (exit 3).

${CONFIG_FLAG_HELP}

${EXIT_HELP}`,
  'migrate-from-plus': `cpamp migrate-from-plus <usage.sqlite> [flags]

Offline: carries a CPA Manager Plus (or CPA-Manager) usage.sqlite over, reading a copy of it and its WAL
(Plus's files are never written). Into a data directory without a cpamp database: every event, prices,
aliases, the saved CPA connection (decrypted with Plus's data key: CPA_MANAGER_DATA_KEY(_FILE), else the
data.key next to the database), the account-processing policy, inspection settings, owned disables and the
admin key — the same as the first \`cpamp serve\` on Plus's data directory. Into an existing one: the events
(already imported ones are skipped) and what cpamp does not have yet. Prints added/skipped/failed.
Refuses while Plus runs on that database, or while a server holds the data directory (exit 3).

${CONFIG_FLAG_HELP}

${EXIT_HELP}`,
  migrate: `${MIGRATE_HELP_TEXT}

${CONFIG_FLAG_HELP}

${EXIT_HELP}`,
  doctor: `cpamp doctor [--probe-window-ms <ms>] [flags]

Checks the CPA connection saved in the data directory (or CPA_UPSTREAM_URL + CPA_MANAGEMENT_KEY) for the
usual causes of empty monitoring (publishing off, wrong URL or key, CPA too old, retention, ...) and
prints each finding with its fix. Changes nothing and consumes no records.
Exit codes: 0 healthy, 1 error-level findings (or runtime failure), 2 not configured or usage error,
3 data directory locked (stop the server first).

${CONFIG_FLAG_HELP}`,
  backup: `cpamp backup <dir> [flags]

Writes a consistent copy of the database (SQLite VACUUM INTO: one snapshot, while the server keeps
running), data.key, admin-key.json and the config file in use into <dir> (new or empty), with backup.json
describing them. A data key given by CPA_MANAGER_DATA_KEY / _FILE is not copied: keep it yourself.

${CONFIG_FLAG_HELP}

${EXIT_HELP}`,
  restore: `cpamp restore <dir> [flags]

Offline: checks the backup's database, then puts it, data.key and admin-key.json back into the data
directory. The files it replaces move to <dataDir>/pre-restore-<time>/. The config file is not copied
back (compare it with yours). Refuses to run while a server holds the data directory (exit 3).

${CONFIG_FLAG_HELP}

${EXIT_HELP}`,
  demo: `cpamp demo [--port <port>] [--events <n>] [--keep]

Starts a simulated CPA (from @cpamp/testkit) feeding generated usage, and a Manager Server wired to it,
in a temporary data directory; prints the URL and the admin key. Ctrl-C stops both and removes the
directory (unless --keep).

${EXIT_HELP}`,
};

function wantsHelp(args: readonly string[]): boolean {
  return args.includes('--help') || args.includes('-h');
}

function reportError(io: CliIo, error: unknown): number {
  if (isConfigError(error)) {
    io.err.write(`cpamp: ${error.message}\n`);
    return EXIT.usage;
  }
  if (isServerError(error) && error.code === 'data_dir_locked') {
    io.err.write(`cpamp: ${error.message}\n`);
    return EXIT.locked;
  }
  io.err.write(`cpamp: ${(error as Error).message ?? String(error)}\n`);
  return EXIT.failure;
}

async function serve(args: readonly string[], io: CliIo): Promise<CliResult> {
  const config = io.loadConfig(args);
  const server = await startServer(config, { out: io.out, handleSignals: true });
  return { code: EXIT.ok, server };
}

async function resetAdminKeyCommand(args: readonly string[], io: CliIo): Promise<CliResult> {
  // Split our own flags from the config flags.
  const parsed = parseArgs({
    args: [...args],
    options: { ...CONFIG_FLAGS, 'admin-key': { type: 'string' }, 'admin-key-file': { type: 'string' } },
    strict: true,
    allowPositionals: false,
  });
  const { 'admin-key': keyFlag, 'admin-key-file': keyFile, ...rest } = parsed.values;
  if (keyFlag !== undefined && keyFile !== undefined) {
    io.err.write('cpamp: use either --admin-key or --admin-key-file, not both\n');
    return { code: EXIT.usage };
  }
  const configArgs: string[] = [];
  for (const [name, value] of Object.entries(rest)) if (typeof value === 'string') configArgs.push(`--${name}`, value);
  const config = io.loadConfig(configArgs);
  let supplied: string | null = null;
  if (keyFlag !== undefined) supplied = keyFlag.trim();
  if (keyFile !== undefined) supplied = readFileSync(keyFile, 'utf8').trim();
  if (supplied !== null && supplied.length < 16) {
    io.err.write('cpamp: the admin key must be at least 16 characters\n');
    return { code: EXIT.usage };
  }
  const lock = acquireDataDirLock(config.dataDir);
  try {
    const { generatedKey } = await resetAdminKey(config.dataDir, supplied, Date.now());
    if (generatedKey) io.out.write(`New cpamp admin key (shown once):\n\n  ${generatedKey}\n\n`);
    else io.out.write('Admin key updated.\n');
    io.out.write(`Stored as a salted hash in ${config.dataDir}. Restart the server if it runs from another data directory.\n`);
  } finally {
    lock.release();
  }
  return { code: EXIT.ok };
}

export async function runCli(argv: readonly string[], io: CliIo): Promise<CliResult> {
  const [command, ...args] = argv;
  try {
    if (command === undefined || command === '--help' || command === '-h') {
      io.out.write(`${HELP.main}\n`);
      return { code: command === undefined ? EXIT.usage : EXIT.ok };
    }
    if (command === '--version' || command === '-v') {
      io.out.write(`${packageVersion()}\n`);
      return { code: EXIT.ok };
    }
    if (command === 'help') {
      const topic = args[0] ?? 'main';
      const text = HELP[topic];
      if (!text) {
        io.err.write(`cpamp: no help for "${topic}"\n`);
        return { code: EXIT.usage };
      }
      io.out.write(`${text}\n`);
      return { code: EXIT.ok };
    }
    if (HELP[command] && command !== 'main' && wantsHelp(args)) {
      io.out.write(`${HELP[command]}\n`);
      return { code: EXIT.ok };
    }
    switch (command) {
      case 'serve':
        return await serve(args, io);
      case 'reset-admin-key':
        return await resetAdminKeyCommand(args, io);
      case 'import':
        return await importCommand(args, io);
      case 'export':
        return await exportCommand(args, io);
      case 'migrate-from-plus':
        return await migrateFromPlusCommand(args, io);
      case 'migrate':
        return await migrateToPostgresCommand(args, io);
      case 'doctor':
        return await doctorCommand(args, io);
      case 'backup':
        return await backupCommand(args, io);
      case 'restore':
        return await restoreCommand(args, io);
      case 'demo': {
        const { runDemo } = await import('./demo');
        return await runDemo(args, io);
      }
      default:
        io.err.write(`cpamp: unknown command "${command}". Run \`cpamp --help\`.\n`);
        return { code: EXIT.usage };
    }
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' || (error as { code?: string }).code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
      io.err.write(`cpamp: ${(error as Error).message}. Run \`cpamp ${command} --help\`.\n`);
      return { code: EXIT.usage };
    }
    return { code: reportError(io, error) };
  }
}
