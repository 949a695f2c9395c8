// `cpamp backup <dir>` and `cpamp restore <dir>`. A backup is a folder: a consistent copy of the database
// (taken while the server may be running), data.key (without it the stored CPA management key and channel
// secrets cannot be read), admin-key.json and the config file in use, plus backup.json describing them.
// Restore is offline (it takes the data-dir lock) and moves the files it replaces aside instead of deleting.
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { backupSqliteFile, checkSqliteFile } from '@cpamp/store';
import type { Config } from '../config';
import { redactDbUrl } from '../config/db-url';
import { acquireDataDirLock } from '../data-dir-lock';
import { ADMIN_CREDENTIAL_FILE } from '../security/admin-credential';
import { packageVersion } from '../version';
import { parseCommandArgs } from './import-export';
import { EXIT, type CliIo, type CliResult } from './run-cli';

const MANIFEST = 'backup.json';
const DB_FILE = 'cpamp.sqlite';
const KEY_FILE = 'data.key';
const CONFIG_FILE = 'config.json';

export interface BackupManifest {
  format: 'cpamp-backup-1';
  version: string;
  createdAt: string;
  /** Where the files came from, for the reader. */
  source: { dataDir: string; dbPath: string; dataKeyPath: string | null; configFile: string | null };
  files: { database: string; dataKey: string | null; adminKey: string | null; config: string | null };
}

/** Writes a backup of the configured data directory into `dir` (new or empty). Safe while a server runs. */
export function createBackup(config: Config, dir: string, now: number): BackupManifest {
  const target = resolve(dir);
  if (existsSync(target) && readdirSync(target).length > 0)
    throw new Error(`${target} is not empty: back up into a new or empty folder`);
  if (!existsSync(config.dbPath)) throw new Error(`there is no database at ${config.dbPath} (check --data-dir / USAGE_DATA_DIR)`);
  mkdirSync(target, { recursive: true, mode: 0o700 });
  backupSqliteFile(config.dbPath, join(target, DB_FILE));
  const copyIfExists = (from: string | null, name: string): string | null => {
    if (from === null || !existsSync(from)) return null;
    copyFileSync(from, join(target, name));
    return name;
  };
  // A data key given as a value (env) is not in the data directory: the backup says so instead.
  const dataKey = config.dataKey === null ? copyIfExists(config.dataKeyPath, KEY_FILE) : null;
  const manifest: BackupManifest = {
    format: 'cpamp-backup-1',
    version: packageVersion(),
    createdAt: new Date(now).toISOString(),
    source: {
      dataDir: config.dataDir,
      dbPath: config.dbPath,
      dataKeyPath: config.dataKey === null ? config.dataKeyPath : null,
      configFile: config.configFile,
    },
    files: {
      database: DB_FILE,
      dataKey,
      adminKey: copyIfExists(join(config.dataDir, ADMIN_CREDENTIAL_FILE), ADMIN_CREDENTIAL_FILE),
      config: copyIfExists(config.configFile, CONFIG_FILE),
    },
  };
  writeFileSync(join(target, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`, { mode: 0o600 });
  return manifest;
}

function readManifest(dir: string): BackupManifest {
  const path = join(dir, MANIFEST);
  if (!existsSync(path)) throw new Error(`${dir} has no ${MANIFEST}: not a folder written by \`cpamp backup\``);
  const manifest = JSON.parse(readFileSync(path, 'utf8')) as BackupManifest;
  if (manifest.format !== 'cpamp-backup-1') throw new Error(`${path}: unknown backup format ${String(manifest.format)}`);
  return manifest;
}

/**
 * Restores a backup into the configured data directory (the server must be stopped). Replaced files are
 * moved to `<dataDir>/pre-restore-<stamp>/`. Returns that folder and the restored files.
 */
export function restoreBackup(config: Config, dir: string, now: number): { movedTo: string | null; restored: string[] } {
  const source = resolve(dir);
  const manifest = readManifest(source);
  const problems = checkSqliteFile(join(source, manifest.files.database));
  if (problems.length > 0) throw new Error(`the backup's database is damaged: ${problems.slice(0, 3).join('; ')}`);
  const lock = acquireDataDirLock(config.dataDir);
  try {
    const stamp = new Date(now).toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
    const aside = join(config.dataDir, `pre-restore-${stamp}`);
    let moved = false;
    const moveAside = (path: string): void => {
      if (!existsSync(path)) return;
      mkdirSync(aside, { recursive: true, mode: 0o700 });
      renameSync(path, join(aside, basename(path)));
      moved = true;
    };
    // The database with its WAL side files and the column cache snapshot (rebuilt from the database).
    for (const suffix of ['', '-wal', '-shm', '.colcache']) moveAside(`${config.dbPath}${suffix}`);
    const restored: string[] = [];
    copyFileSync(join(source, manifest.files.database), config.dbPath);
    restored.push(config.dbPath);
    if (manifest.files.dataKey !== null) {
      moveAside(config.dataKeyPath);
      copyFileSync(join(source, manifest.files.dataKey), config.dataKeyPath);
      restored.push(config.dataKeyPath);
    }
    if (manifest.files.adminKey !== null) {
      const adminPath = join(config.dataDir, ADMIN_CREDENTIAL_FILE);
      moveAside(adminPath);
      copyFileSync(join(source, manifest.files.adminKey), adminPath);
      restored.push(adminPath);
    }
    return { movedTo: moved ? aside : null, restored };
  } finally {
    lock.release();
  }
}

/** `cpamp backup` / `restore` copy a SQLite file; a Postgres database is backed up with its own tools. */
function postgresBackupRefusal(dbUrl: string, schema: string, command: 'backup' | 'restore'): string {
  const url = redactDbUrl(dbUrl);
  const hint =
    command === 'backup'
      ? `back it up with pg_dump, e.g. \`pg_dump --format=custom --schema=${schema} --file=cpamp.dump '${url}'\` (give the real password via PGPASSWORD or ~/.pgpass), and keep the data key (data.key or CPA_MANAGER_DATA_KEY) with it: without it the stored secrets cannot be read`
      : `restore a pg_dump with pg_restore, e.g. \`pg_restore --clean --if-exists --dbname='${url}' cpamp.dump\`, with the data key that was in use when the dump was taken`;
  return `cpamp: ${command} works on the SQLite database; this install uses Postgres (${url}, schema ${schema}): ${hint}.\n`;
}

export async function backupCommand(args: readonly string[], io: CliIo): Promise<CliResult> {
  const { positionals, configArgs } = parseCommandArgs(args, {});
  if (positionals.length !== 1) {
    io.err.write('cpamp: usage: cpamp backup <dir> [flags]\n');
    return { code: EXIT.usage };
  }
  const config = io.loadConfig(configArgs);
  if (config.dbUrl !== null) {
    io.err.write(postgresBackupRefusal(config.dbUrl, config.dbSchema, 'backup'));
    return { code: EXIT.usage };
  }
  const manifest = createBackup(config, positionals[0]!, Date.now());
  const target = resolve(positionals[0]!);
  io.out.write(`Backup written to ${target}: ${Object.values(manifest.files).filter(Boolean).join(', ')}, ${MANIFEST}\n`);
  if (manifest.files.dataKey === null)
    io.out.write('Note: the data key comes from CPA_MANAGER_DATA_KEY / _FILE and is not in the backup: keep it safe as well.\n');
  return { code: EXIT.ok };
}

export async function restoreCommand(args: readonly string[], io: CliIo): Promise<CliResult> {
  const { positionals, configArgs } = parseCommandArgs(args, {});
  if (positionals.length !== 1) {
    io.err.write('cpamp: usage: cpamp restore <dir> [flags]\n');
    return { code: EXIT.usage };
  }
  const config = io.loadConfig(configArgs);
  if (config.dbUrl !== null) {
    io.err.write(postgresBackupRefusal(config.dbUrl, config.dbSchema, 'restore'));
    return { code: EXIT.usage };
  }
  const { movedTo, restored } = restoreBackup(config, positionals[0]!, Date.now());
  io.out.write(`Restored ${restored.join(', ')}\n`);
  if (movedTo) io.out.write(`The files it replaced are in ${movedTo} (delete them once the server runs well).\n`);
  const manifest = readManifest(resolve(positionals[0]!));
  if (manifest.files.config !== null)
    io.out.write(
      `The backup holds the config file that was in use (${manifest.source.configFile ?? 'unknown'}) as ` +
        `${join(resolve(positionals[0]!), manifest.files.config)}; compare it with yours, it was not copied back.\n`,
    );
  return { code: EXIT.ok };
}
