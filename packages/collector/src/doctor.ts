// diagnose(): the nine "monitoring is empty" causes of the FAQ, each with a finding and a fix.
import { classifyError, type CollectorCpa } from './cpa-port';
import type { CollectorStatus } from './status';
import { subscribeForWindow } from './transports/resp-subscribe';
import type { RespTarget } from './transports/transport';
import type { CollectorLogger } from './usage-event';
import { transportSupported } from './version';

export type FindingId =
  | 'usage-publishing-disabled'
  | 'not-configured'
  | 'wrong-url'
  | 'wrong-key'
  | 'cpa-too-old'
  | 'resp-through-http-proxy'
  | 'another-consumer'
  | 'downtime-beyond-retention'
  | 'poll-interval-beyond-retention';

export type Severity = 'ok' | 'info' | 'warn' | 'error';

export interface Finding {
  id: FindingId;
  severity: Severity;
  /** false = this cause is present, true = ruled out, null = could not tell. */
  ok: boolean | null;
  title: string;
  detail: string;
  fix: string;
}

export interface DiagnoseReport {
  ok: boolean;
  findings: Finding[];
  /** Fixes applied because they were asked for (e.g. 'usage-statistics-enabled'). */
  fixed: string[];
  checkedAt: number;
}

export interface DiagnoseOptions {
  /** Turn usage-statistics-enabled on through the management API if it is off. */
  enableUsageStatistics?: boolean;
  /** Compare polled vs subscribed arrival rates to detect another consumer (default true when polling). */
  probeSecondConsumer?: boolean;
  /** Length of each probe window (default 3,000 ms). */
  probeWindowMs?: number;
}

export interface DoctorDeps {
  cpa: CollectorCpa | null;
  respTarget: RespTarget | null;
  status(): CollectorStatus;
  receivedTotal(): number;
  deliverProbe(items: unknown[]): Promise<void>;
  pollIntervalMs: number;
  retentionSecondsFallback: number;
  now(): number;
  logger: CollectorLogger;
  running(): boolean;
}

const ok = (id: FindingId, title: string, detail = ''): Finding => ({
  id,
  severity: 'ok',
  ok: true,
  title,
  detail,
  fix: '',
});

export async function diagnoseCollector(d: DoctorDeps, opts: DiagnoseOptions): Promise<DiagnoseReport> {
  const findings: Finding[] = [];
  const fixed: string[] = [];
  const status = d.status();
  const add = (f: Finding) => findings.push(f);

  // 2. configured at all
  if (!d.cpa) {
    add({
      id: 'not-configured',
      severity: 'error',
      ok: false,
      title: 'The collector has no CPA connection',
      detail: 'No CPA URL / management key is configured.',
      fix: 'Configure the CPA URL and CPA management key (not the admin key).',
    });
    return finish();
  }

  // One management call proves URL + key (each failed call is a strike toward CPA's IP ban: stop at the first).
  let usageEnabled: boolean | null = null;
  let reachable = true;
  try {
    usageEnabled = await d.cpa.config.getUsageStatisticsEnabled();
    add(ok('wrong-url', 'CPA is reachable'));
    add(ok('wrong-key', 'CPA accepted the management key'));
    add(ok('not-configured', 'CPA management API is enabled'));
  } catch (e) {
    reachable = false;
    const { cls, error } = classifyError(e, 'http', d.now());
    if (cls === 'auth') {
      add({
        id: 'wrong-key',
        severity: 'error',
        ok: false,
        title: 'CPA rejected the management key',
        detail: error.message,
        fix: 'Use the CPA management key (remote-management.secret-key or MANAGEMENT_PASSWORD), not the CPAMP admin key or a client API key.',
      });
    } else if (cls === 'unsupported') {
      add({
        id: 'not-configured',
        severity: 'error',
        ok: false,
        title: 'CPA management API is disabled',
        detail:
          'CPA answered 404 for management routes: no remote-management.secret-key is set, so CPA has no usage queue at all.',
        fix: 'Set remote-management.secret-key in CPA config.yaml (or MANAGEMENT_PASSWORD) and restart CPA.',
      });
    } else {
      add({
        id: 'wrong-url',
        severity: 'error',
        ok: false,
        title: 'CPA is not reachable from the collector',
        detail: error.message,
        fix: 'Use the CPA address as seen from this machine (in Docker: http://host.docker.internal:8317 or the compose service name, not 127.0.0.1).',
      });
    }
  }

  // 1. usage publishing
  if (usageEnabled === false) {
    if (opts.enableUsageStatistics) {
      try {
        await d.cpa.config.setUsageStatisticsEnabled(true);
        fixed.push('usage-statistics-enabled');
        add({
          id: 'usage-publishing-disabled',
          severity: 'info',
          ok: true,
          title: 'Usage publishing was off and has been turned on',
          detail: 'usage-statistics-enabled was false (CPA default); set to true via the management API.',
          fix: '',
        });
      } catch (e) {
        add({
          id: 'usage-publishing-disabled',
          severity: 'error',
          ok: false,
          title: 'Usage publishing is off and could not be turned on',
          detail: (e as Error).message,
          fix: 'Set usage-statistics-enabled: true in CPA config.yaml.',
        });
      }
    } else {
      add({
        id: 'usage-publishing-disabled',
        severity: 'error',
        ok: false,
        title: 'CPA usage publishing is off',
        detail:
          'usage-statistics-enabled is false (the CPA default): CPA produces no usage records, and the queue looks merely idle.',
        fix: 'Set usage-statistics-enabled: true in CPA config.yaml, or run diagnose({ enableUsageStatistics: true }).',
      });
    }
  } else if (usageEnabled === true) {
    add(ok('usage-publishing-disabled', 'CPA usage publishing is on'));
  }

  // 5. version
  let version: string | null = status.cpaVersion;
  let retention: number | null = status.retentionSeconds;
  if (reachable) {
    try {
      version = (await d.cpa.getServerVersion()).version ?? version;
    } catch {
      /* version stays unknown */
    }
    try {
      const raw = Number((await d.cpa.config.get())['redis-usage-queue-retention-seconds']);
      retention = !(raw > 0) ? 60 : Math.min(raw, 3600);
    } catch {
      /* keep status value */
    }
  }
  if (version && !transportSupported(version, 'http') && !transportSupported(version, 'resp-pop')) {
    add({
      id: 'cpa-too-old',
      severity: 'error',
      ok: false,
      title: `CPA ${version} offers no usage queue the collector can read`,
      detail: 'The HTTP usage queue needs CPA v6.10.8+, RESP v6.9.38+ (v7.1.17 disabled RESP).',
      fix: 'Upgrade CPA (v7.1.39+ recommended for the full metadata set).',
    });
  } else if (version && !transportSupported(version, 'http')) {
    add({
      id: 'cpa-too-old',
      severity: 'warn',
      ok: false,
      title: `CPA ${version} has no HTTP usage queue`,
      detail: 'Only RESP works, and RESP cannot pass through HTTP reverse proxies.',
      fix: 'Upgrade CPA to v6.10.8+ (v7.1.39+ recommended).',
    });
  } else if (version) {
    add(ok('cpa-too-old', `CPA ${version} supports the usage queue`));
  } else {
    add({
      id: 'cpa-too-old',
      severity: 'info',
      ok: null,
      title: 'CPA version unknown',
      detail: 'No X-CPA-VERSION header (a proxy may strip it).',
      fix: 'Make sure CPA is v6.10.8 or newer.',
    });
  }

  // 6. RESP through an HTTP proxy
  const note = `${status.transportNote ?? ''} ${status.lastError?.message ?? ''}`;
  if (/unsupported RESP prefix|HTTP server answered the RESP/i.test(note)) {
    add({
      id: 'resp-through-http-proxy',
      severity: status.mode === 'auto' ? 'info' : 'error',
      ok: false,
      title: 'RESP reached an HTTP server (reverse proxy)',
      detail:
        'The CPA URL points at an HTTP proxy: RESP Pub/Sub and RESP pop cannot pass through it (the "unsupported RESP prefix \'H\'" symptom).',
      fix:
        status.mode === 'auto'
          ? "Auto mode already uses the HTTP queue; for RESP, point the collector at CPA's port directly."
          : "Use mode 'auto' or 'http', or a direct CPA address (e.g. http://cli-proxy-api:8317).",
    });
  } else {
    add(ok('resp-through-http-proxy', 'No sign of RESP going through an HTTP proxy'));
  }

  // 8. downtime beyond retention
  const downGaps = status.recentGaps.filter(
    (g) => g.kind === 'collector-down' || g.kind === 'retention-expired',
  );
  if (downGaps.length > 0) {
    const g = downGaps[downGaps.length - 1];
    add({
      id: 'downtime-beyond-retention',
      severity: 'warn',
      ok: false,
      title: 'Usage was lost while the collector was down',
      detail: g?.detail ?? '',
      fix: 'Keep the collector running continuously; raise redis-usage-queue-retention-seconds (max 3600) in CPA to survive longer restarts.',
    });
  } else {
    add(ok('downtime-beyond-retention', 'No downtime longer than CPA retention recorded'));
  }

  // 9. poll interval vs retention
  const ret = retention ?? d.retentionSecondsFallback;
  if (d.pollIntervalMs >= ret * 1000) {
    add({
      id: 'poll-interval-beyond-retention',
      severity: 'error',
      ok: false,
      title: 'Poll interval is longer than CPA retention',
      detail: `pollIntervalMs ${d.pollIntervalMs} ≥ retention ${ret} s: records expire before they are popped.`,
      fix: `Set pollIntervalMs well below ${ret * 1000} (default 500), or raise redis-usage-queue-retention-seconds.`,
    });
  } else {
    add(
      ok(
        'poll-interval-beyond-retention',
        `Poll interval ${d.pollIntervalMs} ms is inside retention ${ret} s`,
      ),
    );
  }

  // 7. another consumer
  await checkSecondConsumer(d, opts, status, add);

  return finish();

  function finish(): DiagnoseReport {
    return { ok: findings.every((f) => f.ok !== false), findings, fixed, checkedAt: d.now() };
  }
}

async function checkSecondConsumer(
  d: DoctorDeps,
  opts: DiagnoseOptions,
  status: CollectorStatus,
  add: (f: Finding) => void,
): Promise<void> {
  const id: FindingId = 'another-consumer';
  if (status.transport === 'subscribe') {
    add(
      ok(
        id,
        'The collector is subscribed',
        'CPA sends every record to subscribers first; another poller receives nothing. Another subscriber would get copies (not visible from here).',
      ),
    );
    return;
  }
  const polling = d.running() && (status.transport === 'http' || status.transport === 'resp-pop');
  if (!polling || opts.probeSecondConsumer === false || !d.respTarget) {
    add({
      id,
      severity: 'info',
      ok: null,
      title: 'Second consumer not checked',
      detail: polling
        ? 'Needs a direct RESP connection to CPA to compare arrival rates.'
        : 'The collector is not polling right now.',
      fix: 'Run exactly one consumer (one Manager Server / collector) per CPA.',
    });
    return;
  }
  const windowMs = opts.probeWindowMs ?? 3000;
  // Window 1: what our poller gets. Window 2: what a subscriber gets (everything CPA produces).
  const before = d.receivedTotal();
  await new Promise((r) => setTimeout(r, windowMs));
  const polled = d.receivedTotal() - before;
  let subscribed: number;
  try {
    subscribed = await subscribeForWindow(d.respTarget, windowMs, (items) => d.deliverProbe(items));
  } catch (e) {
    add({
      id,
      severity: 'info',
      ok: null,
      title: 'Second consumer not checked',
      detail: `The RESP probe failed: ${(e as Error).message}`,
      fix: 'Run exactly one consumer per CPA.',
    });
    return;
  }
  if (subscribed < 5) {
    add({
      id,
      severity: 'info',
      ok: null,
      title: 'Not enough traffic to check for a second consumer',
      detail: `${subscribed} records arrived during the ${windowMs} ms probe.`,
      fix: 'Re-run the check while CPA serves requests.',
    });
    return;
  }
  if (polled < subscribed * 0.6) {
    add({
      id,
      severity: 'error',
      ok: false,
      title: 'Another consumer is draining the CPA usage queue',
      detail: `While polling, the collector received ${polled} records in ${windowMs} ms; a subscriber received ${subscribed} in the same time. Another Manager Server, collector or tool pops (or subscribes to) the same queue, so those records never reach this store.`,
      fix: 'Stop the other consumer: run exactly ONE consumer per CPA.',
    });
    return;
  }
  add(
    ok(
      id,
      'No other consumer detected',
      `polled ${polled} vs subscribed ${subscribed} records per ${windowMs} ms`,
    ),
  );
}
