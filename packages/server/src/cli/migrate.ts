// `cpamp migrate-from-plus <usage.sqlite>`: carries a CPA Manager Plus (or CPA-Manager) database over, read from
// a copy so Plus's files are never written. Into a data dir without a cpamp database it does what the first
// `cpamp serve` on Plus's data dir does (everything, into a temporary file renamed at the end); into an
// existing one it adds the events (duplicates skipped) and whatever cpamp does not have yet.
import { existsSync } from 'node:fs';
import { isStoreError } from '@cpamp/store';
import { acquireDataDirLock } from '../data-dir-lock';
import { migratePlus, migratePlusInto, type PlusMigrationReport } from '../plus-switch/migrate-plus';
import { isPlusDatabase } from '../plus-switch/plus-files';
import { parseCommandArgs, withDataDirStore } from './import-export';
import type { CliIo, CliResult } from './run-cli';

const noop = (): void => undefined;
const silent = { debug: noop, info: noop, warn: noop, error: noop };

function summary(io: CliIo, r: PlusMigrationReport): void {
  io.out.write(
    `Imported plus_sqlite: ${r.inserted} added, ${r.duplicates} skipped (duplicates), ${r.rejected} failed, ${r.events} read.\n` +
      `Carried over: ${r.prices} prices, ${r.aliases} aliases, ${r.ownedDisables} owned disables${r.connection ? ', the saved CPA connection' : ''}${r.adminCredential ? ', the admin key' : ''}.\n`,
  );
}

export async function migrateFromPlusCommand(args: readonly string[], io: CliIo): Promise<CliResult> {
  const { positionals, configArgs } = parseCommandArgs(args, {});
  if (positionals.length !== 1) {
    io.err.write("cpamp: migrate-from-plus needs the path of Plus's usage.sqlite. Run `cpamp migrate-from-plus --help`.\n");
    return { code: 2 };
  }
  const source = positionals[0] as string;
  const config = io.loadConfig(configArgs);
  if (!existsSync(source)) {
    io.err.write(`cpamp: ${source} does not exist. Point to Plus's usage.sqlite (e.g. /data/usage.sqlite in Plus's volume).\n`);
    return { code: 2 };
  }
  const options = { logger: silent, progress: (line: string) => io.err.write(`${line}\n`), now: Date.now };
  try {
    let report: PlusMigrationReport;
    // A fresh SQLite data dir gets the whole switch; an existing database, or Postgres, gets the events added.
    if (config.dbUrl === null && !existsSync(config.dbPath) && !isPlusDatabase(config.dbPath)) {
      const lock = acquireDataDirLock(config.dataDir);
      try {
        report = await migratePlus(config, { source, target: config.dbPath }, { ...options, keyBesideSource: true });
      } finally {
        lock.release();
      }
    } else {
      report = await withDataDirStore(config, (store) => migratePlusInto(store, config, source, options));
    }
    summary(io, report);
    return { code: report.rejected > 0 && report.inserted + report.duplicates === 0 ? 1 : 0 };
  } catch (error) {
    if (isStoreError(error)) {
      io.err.write(`cpamp: ${error.message}\n`);
      return { code: 1 };
    }
    throw error;
  }
}
