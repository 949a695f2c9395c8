// Offline data commands on the data directory (same config as `serve`): import, export, migrate-from-plus.
// Each holds the data-dir lock for its whole run, so it refuses (exit 3) while a server is running.
import { createWriteStream } from 'node:fs';
import { parseArgs } from 'node:util';
import { normalizeRecord } from '@cpamp/collector';
import { isStoreError, StoreImportError, toPlusExportLines, type ImportProgress, type ImportReport } from '@cpamp/store';
import type { ServerStore } from '../server-store';
import { CONFIG_FLAGS, type Config } from '../config';
import { acquireDataDirLock } from '../data-dir-lock';
import { openServerStore } from '../open-server-store';
import { PLUS_MIGRATION_KEY } from '../plus-switch/migrate-plus';
import type { CliIo, CliResult } from './run-cli';

const noop = (): void => undefined;
const silent = { debug: noop, info: noop, warn: noop, error: noop };

/** Splits a command's own flags from the config flags (which go to loadConfig). */
export function parseCommandArgs<O extends Record<string, { type: 'string' | 'boolean' }>>(
  args: readonly string[],
  own: O,
): { values: Record<string, string | boolean | undefined>; positionals: string[]; configArgs: string[] } {
  const parsed = parseArgs({ args: [...args], options: { ...CONFIG_FLAGS, ...own }, strict: true, allowPositionals: true });
  const values: Record<string, string | boolean | undefined> = {};
  const configArgs: string[] = [];
  for (const [name, value] of Object.entries(parsed.values)) {
    if (name in own) values[name] = value as string | boolean | undefined;
    else if (typeof value === 'string') configArgs.push(`--${name}`, value);
  }
  return { values, positionals: parsed.positionals, configArgs };
}

/** Opens the store of the configured data dir under the data-dir lock; closes and releases afterwards. */
export async function withDataDirStore<T>(config: Config, run: (store: ServerStore) => Promise<T>): Promise<T> {
  const lock = acquireDataDirLock(config.dataDir);
  try {
    const store = await openServerStore(config, silent, Date.now);
    try {
      return await run(store);
    } finally {
      await store.close();
    }
  } finally {
    lock.release();
  }
}

function progressPrinter(io: CliIo): { onProgress(p: ImportProgress): void; end(): void } {
  let last = 0;
  let printed = false;
  return {
    onProgress(p) {
      if (p.read - last < 1000 && last !== 0) return;
      last = p.read;
      printed = true;
      io.err.write(`\r  ${p.read} read, ${p.inserted} added, ${p.duplicates} skipped, ${p.rejected} failed`);
    },
    end() {
      if (printed) io.err.write('\n');
    },
  };
}

function summary(io: CliIo, r: ImportReport): void {
  io.out.write(`Imported ${r.format}: ${r.inserted} added, ${r.duplicates} skipped (duplicates), ${r.rejected} failed, ${r.read} read.\n`);
  for (const rej of r.rejections.slice(0, 10)) io.err.write(`  rejected #${rej.at}: ${rej.reason}\n`);
  for (const w of r.warnings) io.err.write(`  warning: ${w}\n`);
}

export async function runImport(io: CliIo, config: Config, path: string, kind: 'file' | 'sqlite'): Promise<number> {
  const progress = progressPrinter(io);
  try {
    const report = await withDataDirStore(config, (store) =>
      kind === 'sqlite'
        ? store.io.importSqlite(path, { normalize: normalizeRecord, onProgress: progress.onProgress })
        : store.io.importFile(path, { normalize: normalizeRecord, onProgress: progress.onProgress }),
    );
    progress.end();
    summary(io, report);
    return report.rejected > 0 && report.inserted + report.duplicates === 0 ? 1 : 0;
  } catch (error) {
    progress.end();
    if (error instanceof StoreImportError) {
      io.err.write(`cpamp: import stopped at line ${error.line}: ${error.message}\n`);
      return 1;
    }
    if (isStoreError(error)) {
      io.err.write(`cpamp: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

export async function importCommand(args: readonly string[], io: CliIo): Promise<CliResult> {
  const { positionals, configArgs } = parseCommandArgs(args, {});
  if (positionals.length !== 1) {
    io.err.write('cpamp: import needs exactly one file. Run `cpamp import --help`.\n');
    return { code: 2 };
  }
  return { code: await runImport(io, io.loadConfig(configArgs), positionals[0] as string, 'file') };
}

function parseMs(value: string | boolean | undefined): number | undefined | null {
  if (value === undefined || typeof value === 'boolean') return undefined;
  const n = Number(value);
  return Number.isFinite(n) && n >= 0 ? n : null;
}

export async function exportCommand(args: readonly string[], io: CliIo): Promise<CliResult> {
  const { values, positionals, configArgs } = parseCommandArgs(args, { out: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' }, format: { type: 'string' } });
  const from = parseMs(values.from);
  const to = parseMs(values.to);
  const format = values.format ?? 'cpamp';
  if (positionals.length > 0 || from === null || to === null || (format !== 'cpamp' && format !== 'plus')) {
    io.err.write('cpamp: export takes [--out <file>] [--from <ms>] [--to <ms>] (epoch milliseconds) [--format cpamp|plus]. Run `cpamp export --help`.\n');
    return { code: 2 };
  }
  const config = io.loadConfig(configArgs);
  const outPath = typeof values.out === 'string' ? values.out : null;
  let lines = 0;
  let note = '';
  await withDataDirStore(config, async (store) => {
    // Rolling back to Plus: Plus already has every event up to its newest one, and cpamp keeps a shorter
    // hash than Plus's, so only what was collected after the switch is written (unless --from says otherwise).
    let since = from;
    if (format === 'plus' && since === undefined) {
      const migration = await store.settings.get<{ lastEventMs?: number }>(PLUS_MIGRATION_KEY);
      if (migration?.lastEventMs) {
        since = migration.lastEventMs + 1;
        note = ` collected after the switch from Plus (since ${new Date(since).toISOString()}; --from 0 writes all)`;
      }
    }
    const file = outPath ? createWriteStream(outPath, { mode: 0o600 }) : null;
    const opened = file ? new Promise<void>((resolve, reject) => file.once('open', () => resolve()).once('error', reject)) : Promise.resolve();
    await opened;
    try {
      const events = store.io.exportJsonl({ ...(since !== undefined ? { from: since } : {}), ...(to !== undefined ? { to } : {}) });
      for await (const chunk of format === 'plus' ? toPlusExportLines(events) : events) {
        for (let i = chunk.indexOf('\n'); i !== -1; i = chunk.indexOf('\n', i + 1)) lines += 1;
        if (file) {
          if (!file.write(chunk)) await new Promise<void>((r) => file.once('drain', () => r()));
        } else io.out.write(chunk);
      }
    } finally {
      if (file) await new Promise<void>((resolve, reject) => file.end((e?: Error | null) => (e ? reject(e) : resolve())));
    }
  });
  io.err.write(`Exported ${lines} events${note}${format === 'plus' ? " in CPA Manager Plus's import format" : ''}${outPath ? ` to ${outPath}` : ''}.\n`);
  return { code: 0 };
}
