// The collector doctor for HTTP callers: findings in the panel's shape ({id, level, title, detail, fix?}).
// checkCandidate() runs it against a connection that is NOT saved (the setup wizard's live check): a
// collector object is built but never started, so nothing is popped and nothing is written.
import { createCollector, type CollectorMode, type DiagnoseReport, type Finding, type UsageSink } from '@cpamp/collector';
import { createCpaClient } from '@cpamp/sdk-cpa';

export type FindingLevel = 'ok' | 'info' | 'warn' | 'error';

export interface DoctorFinding {
  id: string;
  level: FindingLevel;
  title: string;
  detail: string;
  fix?: string;
  /** false = this cause is present, true = ruled out, null = could not tell (the collector's own view). */
  ok: boolean | null;
}

export interface DoctorReport {
  atMs: number;
  findings: DoctorFinding[];
}

export function toDoctorFinding(f: Finding): DoctorFinding {
  const level: FindingLevel = f.ok === true ? 'ok' : f.severity;
  return { id: f.id, level, title: f.title, detail: f.detail, ...(f.fix && f.ok !== true ? { fix: f.fix } : {}), ok: f.ok };
}

export function toDoctorReport(report: DiagnoseReport, atMs: number): DoctorReport {
  return { atMs, findings: report.findings.map(toDoctorFinding) };
}

/** No record reaches a candidate check's sink (the collector is never started); refuse loudly if one does. */
const refusingSink: UsageSink = {
  insertBatch() {
    throw new Error('a setup check must not store records');
  },
};

const silent = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

export async function checkCandidate(opts: {
  baseUrl: string;
  managementKey: string;
  mode: CollectorMode;
  pollIntervalMs: number;
  timeoutMs: number;
  dispatcher?: unknown;
  now: () => number;
}): Promise<{ ok: boolean; cpaVersion: string | null; report: DoctorReport }> {
  const client = createCpaClient({
    baseUrl: opts.baseUrl,
    managementKey: opts.managementKey,
    timeoutMs: opts.timeoutMs,
    retries: 0,
    ...(opts.dispatcher ? { dispatcher: opts.dispatcher as never } : {}),
  });
  const collector = createCollector({
    baseUrl: opts.baseUrl,
    managementKey: opts.managementKey,
    cpa: client,
    sink: refusingSink,
    mode: opts.mode,
    pollIntervalMs: opts.pollIntervalMs,
    logger: silent,
    now: opts.now,
  });
  try {
    const report = await collector.diagnose({ probeSecondConsumer: false, enableUsageStatistics: false });
    let cpaVersion: string | null = null;
    try {
      cpaVersion = (await client.getServerVersion()).version;
    } catch {
      cpaVersion = null;
    }
    const findings = report.findings.map(toDoctorFinding);
    return { ok: !findings.some((f) => f.level === 'error' && f.ok === false), cpaVersion, report: { atMs: opts.now(), findings } };
  } finally {
    await collector.stop().catch(() => undefined);
    await client.close().catch(() => undefined);
  }
}
