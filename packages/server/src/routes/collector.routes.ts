// The collector admin page: status, coverage gaps, doctor findings. Gaps and the last doctor report are
// kept in the settings (the store's, or memory when the server runs without one). Storage and retention
// are in storage.routes.ts.
import type { CoverageGap } from '@cpamp/collector';
import type { ZodTypeProvider } from '@fastify/type-provider-zod';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { CollectorHost } from '../collector-host';
import type { ConnectionService, SettingsPort } from '../connection';
import { toDoctorReport, type DoctorReport } from '../doctor/run-doctor';
import { collectorStatus } from './system.routes';
import { plusSideBySideFinding } from '../plus-switch/migrate-plus';

const GAPS_KEY = 'coverage_gaps';
const DOCTOR_KEY = 'collector_doctor_last';
/** Kept in the settings table; older gaps fall off (the coverage view shows recent history). */
const MAX_GAPS = 200;

export interface CoverageGapView {
  fromMs: number;
  toMs: number;
  reason: string;
  detail?: string;
  lossLikely: boolean;
}

const DoctorBody = z
  .object({
    probeSecondConsumer: z.boolean().optional(),
    probeWindowMs: z.number().int().min(100).max(30_000).optional(),
  })
  .nullish();

function gapView(g: CoverageGap): CoverageGapView {
  return { fromMs: g.startMs, toMs: g.endMs, reason: g.kind, ...(g.detail ? { detail: g.detail } : {}), lossLikely: g.lossLikely };
}

export interface CollectorRoutesOptions {
  collector: CollectorHost;
  connection: ConnectionService;
  settings: SettingsPort;
  now: () => number;
}

export default async function collectorRoutes(fastify: FastifyInstance, opts: CollectorRoutesOptions): Promise<void> {
  const { collector, connection: cpa, settings } = opts;
  const app = fastify.withTypeProvider<ZodTypeProvider>();

  // Gaps are appended in arrival order: one read-modify-write at a time.
  let gapWrites: Promise<void> = Promise.resolve();
  collector.on('gap', (gap) => {
    gapWrites = gapWrites.then(async () => {
      const gaps = (await settings.get<CoverageGapView[]>(GAPS_KEY)) ?? [];
      gaps.push(gapView(gap));
      await settings.set(GAPS_KEY, gaps.slice(-MAX_GAPS));
    }).catch((error: unknown) => {
      app.log.warn({ err: error }, 'cannot persist a coverage gap');
    });
  });

  app.get('/v0/management/collector', { exposeHeadRoute: false }, async () => {
    const connection = cpa.current();
    const collectorSettings = cpa.collectorSettings();
    const saved = (await settings.get<CoverageGapView[]>(GAPS_KEY)) ?? null;
    const gaps = saved ?? (collector.status()?.recentGaps ?? []).map(gapView);
    return {
      status: collectorStatus(collector, connection?.baseUrl ?? '', collectorSettings.mode, collectorSettings.queue),
      coverage: { gaps: [...gaps].sort((a, b) => b.fromMs - a.fromMs) },
      doctor: (await settings.get<DoctorReport>(DOCTOR_KEY)) ?? null,
    };
  });

  app.post('/v0/management/collector/doctor', { schema: { body: DoctorBody } }, async (request) => {
    const o = request.body ?? {};
    const raw = await collector.diagnose({ probeSecondConsumer: o.probeSecondConsumer ?? false, probeWindowMs: o.probeWindowMs ?? 2_000 });
    const report: DoctorReport = raw
      ? toDoctorReport(raw, opts.now())
      : {
          atMs: opts.now(),
          findings: [
            cpa.current()
              ? { id: 'collector-disabled', level: 'warn', ok: false, title: 'The collector is turned off', detail: 'Usage monitoring is disabled for this connection, so nothing is collected.', fix: 'Enable the collector in the connection settings (PUT /usage-service/config with collector.enabled = true).' }
              : { id: 'not-configured', level: 'error', ok: false, title: 'No CPA connection is configured', detail: 'The server has no CPA URL and management key, so it cannot collect usage.', fix: 'Complete setup in the panel, or set CPA_UPSTREAM_URL and CPA_MANAGEMENT_KEY.' },
          ],
        };
    const plus = await plusSideBySideFinding({ settings });
    if (plus) report.findings.push(plus);
    await settings.set(DOCTOR_KEY, report);
    return report;
  });
}
