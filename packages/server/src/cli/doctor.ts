// `cpamp doctor`: runs the collector's diagnose() against the saved (or env) CPA connection and prints
// each finding with its fix. Exit 0 healthy, 1 error-level findings, 2 no connection configured.
import { createCollector, type Finding } from '@cpamp/collector';
import { collectorOptions } from '../collector-host';
import { join } from 'node:path';
import { createConnectionService, type CollectorSettings, type CpaConnection } from '../connection';
import { createUpstreamSet } from '../upstreams/upstream-set';
import { createStoredUpstreams } from '../upstreams/stored-upstreams';
import { plusSideBySideFinding } from '../plus-switch/migrate-plus';
import type { Config } from '../config';
import { redactDbUrl } from '../config/db-url';
import { isServerError } from '../errors';
import type { ServerStore } from '../server-store';
import { parseCommandArgs, withDataDirStore } from './import-export';
import { EXIT, type CliIo, type CliResult } from './run-cli';

const noop = (): void => undefined;
const silent = { debug: noop, info: noop, warn: noop, error: noop, fatal: noop, trace: noop };

const MARK: Record<Finding['severity'], string> = {
  ok: 'ok   ',
  info: 'info ',
  warn: 'WARN ',
  error: 'ERROR',
};

export async function doctorCommand(args: readonly string[], io: CliIo): Promise<CliResult> {
  const { values, positionals, configArgs } = parseCommandArgs(args, {
    'probe-window-ms': { type: 'string' },
  });
  const probeWindowMs =
    typeof values['probe-window-ms'] === 'string' ? Number(values['probe-window-ms']) : 3_000;
  if (positionals.length > 0 || !Number.isFinite(probeWindowMs) || probeWindowMs < 0) {
    io.err.write(
      'cpamp: doctor takes [--probe-window-ms <ms>] and config flags. Run `cpamp doctor --help`.\n',
    );
    return { code: 2 };
  }
  const config = io.loadConfig(configArgs);
  if (config.dbUrl !== null) {
    // The database first: on Postgres it is a separate server that may be down or refuse us.
    const where = `Postgres at ${redactDbUrl(config.dbUrl)} (schema ${config.dbSchema})`;
    try {
      return await withDataDirStore(config, async (store) => {
        const events = await store.events.count();
        io.out.write(`  [${MARK.ok}] database: ${where}: connected, schema up to date, ${events} events\n`);
        return checkCpa(config, store, probeWindowMs, io);
      });
    } catch (error) {
      if (!(isServerError(error) && error.code === 'store_unavailable')) throw error;
      io.out.write(`  [${MARK.error}] database: ${where}: ${error.message}\n`);
      io.out.write(
        '          fix: check that Postgres runs and accepts this user (host, port, database, password, pg_hba.conf), or unset USAGE_DB_URL to use SQLite.\n',
      );
      io.out.write('1 problem(s) found.\n');
      return { code: EXIT.failure };
    }
  }
  return withDataDirStore(config, (store) => checkCpa(config, store, probeWindowMs, io));
}

/** The collector's findings for the saved (or env) CPA connection, and the Plus side-by-side check. */
async function checkCpa(
  config: Config,
  store: ServerStore,
  probeWindowMs: number,
  io: CliIo,
): Promise<CliResult> {
  const connection = await createConnectionService(config, store.settings);
  const current = connection.current();
  if (!current) {
    io.out.write(
      'Not configured: no CPA connection saved and CPA_UPSTREAM_URL / CPA_MANAGEMENT_KEY not set.\n',
    );
    io.out.write(
      '  fix: open the panel and complete setup, or set CPA_UPSTREAM_URL and CPA_MANAGEMENT_KEY.\n',
    );
    return { code: 2 };
  }
  // Several CPAs: one block of findings per CPA, each through its own connection (the default CPA first).
  const set = createUpstreamSet(config, connection);
  // CPAs added in the panel are checked too (stored-upstreams.ts loads them with their sealed keys).
  await createStoredUpstreams({ settings: store.settings, set, config, now: Date.now, warn: (_obj, msg) => io.err.write(`${msg}\n`) });
  const upstreams = set.list();
  let errors = 0;
  let notConfigured = false;
  for (const u of upstreams) {
    const c = u.connection.current();
    if (!c) continue;
    const spool = u.isDefault ? config.dataDir : join(config.dataDir, 'collector', 'upstreams', u.name);
    const one = await diagnoseOne(
      c,
      u.connection.collectorSettings(),
      spool,
      !u.isDefault,
      store,
      probeWindowMs,
      io,
      upstreams.length > 1 ? u.name : null,
    );
    errors += one.errors;
    notConfigured ||= u.isDefault && one.notConfigured;
  }
  const plus = await plusSideBySideFinding(store);
  if (plus) {
    io.out.write(`  [${plus.ok ? MARK.ok : MARK.error}] ${plus.id}: ${plus.title}\n`);
    if (!plus.ok) io.out.write(`          ${plus.detail}\n          fix: ${plus.fix ?? ''}\n`);
  }
  errors += plus && !plus.ok ? 1 : 0;
  io.out.write(errors === 0 ? 'Healthy.\n' : `${errors} problem(s) found.\n`);
  return { code: notConfigured ? 2 : errors > 0 ? 1 : 0 };
}

/** One CPA's collector findings (`name`: printed when there are several CPAs). */
async function diagnoseOne(
  current: CpaConnection,
  settings: CollectorSettings,
  dataDir: string,
  ownSpool: boolean,
  store: ServerStore,
  probeWindowMs: number,
  io: CliIo,
  name: string | null,
): Promise<{ errors: number; notConfigured: boolean }> {
  const options = collectorOptions(current, settings, dataDir);
  const collector = createCollector({
    ...options,
    ...(ownSpool ? { dataDir } : {}),
    sink: store,
    logger: silent,
  });
  try {
    // The second-consumer probe would pop records; offline we only look, never consume.
    const report = await collector.diagnose({ probeSecondConsumer: false, probeWindowMs });
    io.out.write(
      `cpamp doctor — ${name === null ? '' : `CPA ${name}: `}CPA at ${current.baseUrl} (connection from ${current.source})\n`,
    );
    for (const f of report.findings) {
      io.out.write(`  [${MARK[f.severity]}] ${name === null ? '' : `${name}: `}${f.id}: ${f.title}\n`);
      if (f.detail && f.severity !== 'ok') io.out.write(`          ${f.detail}\n`);
      if (f.fix && f.ok === false) io.out.write(`          fix: ${f.fix}\n`);
    }
    return {
      errors: report.findings.filter((f) => f.severity === 'error' && f.ok === false).length,
      notConfigured: report.findings.some((f) => f.id === 'not-configured' && f.ok === false),
    };
  } finally {
    await collector.stop().catch(noop);
  }
}
