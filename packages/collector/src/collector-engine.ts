// The collector engine: runs one transport at a time (auto: subscribe → http → resp-pop), hands records to
// Ingest/Committer (zero loss), tracks coverage gaps, and exposes status/diagnose/events.
import { EventEmitter } from 'node:events';
import { createCpaClient } from '@cpamp/sdk-cpa';
import { abortable, linkAbort } from './abortable';
import { Backoff, sleep } from './backoff';
import type { Collector, CollectorEvents, CollectorOptions } from './collector-options';
import { Committer } from './committer';
import { CoverageTracker } from './coverage';
import { classifyError, hintFor, type CollectorCpa } from './cpa-port';
import { diagnoseCollector, type DiagnoseOptions, type DiagnoseReport } from './doctor';
import { CollectorAuthError, CollectorError } from './errors';
import { Ingest } from './ingest';
import type { ControlKind } from './normalize';
import { OutageGaps } from './outage-gaps';
import { Spool } from './spool';
import type {
  CollectorCounters,
  CollectorLastError,
  CollectorState,
  CollectorStatus,
} from './status';
import { buildTransport, drainQueue, type TransportSettings } from './transports/factory';
import type { RespTarget, Transport, TransportContext, TransportName } from './transports/transport';
import { transportSupported } from './version';
import type { CollectorLogger } from './usage-event';

const silent: CollectorLogger = { debug() {}, info() {}, warn() {}, error() {} };
const AUTO_CHAIN: TransportName[] = ['subscribe', 'http', 'resp-pop'];

/** Built by createCollector (collector.ts) once the options are valid. */
export class CollectorEngine implements Collector {
  private readonly options: CollectorOptions;
  /** The configured mode, `resp` already resolved to `resp-pop` by createCollector. */
  private readonly mode: 'auto' | TransportName;
  private readonly batchSize: number;
  private readonly pollIntervalMs: number;
  private readonly log: CollectorLogger;
  private readonly now: () => number;
  private readonly emitter = new EventEmitter();
  private readonly backoff: Backoff;
  private readonly committer: Committer;
  private readonly ingest: Ingest;
  private readonly coverage: CoverageTracker;
  private readonly gaps: OutageGaps;
  private cpa: CollectorCpa | null;
  private baseUrl: string | undefined;
  private managementKey: string | undefined;

  private state: CollectorState = 'stopped';
  private transport: TransportName | null = null;
  private transportNote: string | null = null;
  private cpaVersion: string | null = null;
  private retentionSeconds: number | null = null;
  private lastConsumedAt: number | null = null;
  private lastInsertedAt: number | null = null;
  private lastError: CollectorLastError | null = null;
  private nextRetryAt: number | null = null;
  private startedAt: number | null = null;
  private reconnects = 0;
  private subscriberDrops = 0;

  private stopCtrl: AbortController | null = null;
  private runCtrl: AbortController | null = null;
  private loopDone: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private heartbeat: NodeJS.Timeout | null = null;
  private reprobeTimer: NodeJS.Timeout | null = null;
  private autoIndex = 0;
  private refreshVersion = false;
  private lastDropMs = 0;
  /** Records received per transport run, for the doctor's second-consumer probe. */
  receivedTotal = 0;

  constructor(options: CollectorOptions, mode: 'auto' | TransportName, batchSize: number, pollIntervalMs: number) {
    this.options = options;
    this.mode = mode;
    this.batchSize = batchSize;
    this.pollIntervalMs = pollIntervalMs;
    this.log = options.logger ?? silent;
    this.now = options.now ?? Date.now;
    this.baseUrl = options.baseUrl;
    this.managementKey = options.managementKey;
    this.cpa = options.cpa ?? this.buildClient();
    this.backoff = new Backoff(options.backoff);
    const spool = options.dataDir ? new Spool(options.dataDir) : null;
    this.committer = new Committer({
      sink: options.sink,
      spool,
      maxHeldEvents: options.maxHeldEvents ?? 5000,
      logger: this.log,
      backoff: new Backoff(options.backoff),
      onCommitted: (events, result) => {
        this.lastInsertedAt = this.now();
        this.emit('committed', events, result);
      },
      onSinkState: (failing, err) => {
        if (failing && err) this.setError(err);
        else if (this.lastError?.code === 'sink_failed') this.lastError = null;
        this.emitState();
      },
    });
    this.ingest = new Ingest({
      committer: this.committer,
      deadLetters: options.deadLetters,
      dataDir: options.dataDir,
      normalize: options.normalize ?? {},
      logger: this.log,
      now: this.now,
      onReceived: (n) => {
        this.lastConsumedAt = this.now();
        this.receivedTotal += n;
      },
      onControl: (kind) => this.onControl(kind),
      onDeadLetters: (items) => this.emit('dead-letter', items),
    });
    this.coverage = new CoverageTracker({
      dataDir: options.dataDir,
      sink: options.coverage,
      logger: this.log,
      onGap: (g) => this.emit('gap', g),
    });
    this.gaps = new OutageGaps(this.coverage);
  }

  private buildClient(): CollectorCpa | null {
    if (!this.baseUrl || !this.managementKey) return null;
    return createCpaClient({
      baseUrl: this.baseUrl,
      managementKey: this.managementKey,
      logger: this.log,
      timeoutMs: this.options.cpaTimeoutMs ?? 30_000,
    }) as unknown as CollectorCpa;
  }

  // ---------------------------------------------------------------- public API

  async start(): Promise<void> {
    if (this.loopDone)
      throw new CollectorError('already_started', 'This collector is already running; call stop() first.');
    this.state = 'starting';
    this.committer.reopen();
    this.startedAt = this.now();
    this.gaps.started();
    this.coverage.beat(this.now());
    const hbEvery = this.options.heartbeatIntervalMs ?? 5000;
    this.heartbeat = setInterval(() => this.coverage.beat(this.now()), hbEvery);
    this.heartbeat.unref?.();
    // The stop signal exists before the first await, so a stop() during the spool replay below is seen.
    const stopCtrl = new AbortController();
    this.stopCtrl = stopCtrl;
    // Whatever a previous run spooled goes to the sink before anything new.
    const replayed =
      this.committer.pendingEvents > 0
        ? this.committer.replay().then((ok) => {
            this.log.info('collector: replayed spool on start', {
              ok,
              replayed: this.committer.counters.replayed,
            });
          })
        : Promise.resolve();
    this.loopDone = replayed
      .then(() => (stopCtrl.signal.aborted ? undefined : this.loop(stopCtrl.signal)))
      .catch((e) => {
        // The loop is written not to throw; this is the last line of defence.
        this.log.error('collector: loop crashed', { error: (e as Error).message });
      });
    this.emitState();
    await replayed.catch(() => undefined);
  }

  async stop(): Promise<void> {
    if (!this.loopDone) return;
    this.setState('stopping');
    this.stopCtrl?.abort();
    this.runCtrl?.abort();
    this.wake?.();
    await this.loopDone;
    this.loopDone = null;
    if (this.reprobeTimer) clearTimeout(this.reprobeTimer);
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = null;
    await this.committer.close();
    this.coverage.beat(this.now(), true);
    this.transport = null;
    this.setState('stopped');
  }

  status(): CollectorStatus {
    const c = this.committer.counters;
    const counters: CollectorCounters = {
      received: this.ingest.counters.received,
      consumed: c.consumed,
      inserted: c.inserted,
      duplicates: c.duplicates,
      rejected: this.ingest.counters.rejected,
      deadLettered: this.ingest.counters.deadLettered,
      spooled: c.spooled,
      spooledTotal: c.spooledTotal,
      held: c.held,
      replayed: c.replayed,
      controlMessages: this.ingest.counters.controlMessages,
      reconnects: this.reconnects,
      subscriberDrops: this.subscriberDrops,
      gaps: this.coverage.count,
    };
    return {
      state: this.state,
      mode: this.mode,
      transport: this.transport,
      transportNote: this.transportNote,
      cpaVersion: this.cpaVersion,
      retentionSeconds: this.retentionSeconds,
      lastConsumedAt: this.lastConsumedAt,
      lastInsertedAt: this.lastInsertedAt,
      lastError: this.lastError,
      sinkFailing: this.committer.failing,
      counters,
      backoffMs: this.state === 'backoff' ? this.backoff.current : 0,
      nextRetryAt: this.nextRetryAt,
      startedAt: this.startedAt,
      recentGaps: [...this.coverage.recent],
    };
  }

  diagnose(opts: DiagnoseOptions = {}): Promise<DiagnoseReport> {
    return diagnoseCollector(
      {
        cpa: this.cpa,
        respTarget: this.respTarget(),
        status: () => this.status(),
        receivedTotal: () => this.receivedTotal,
        deliverProbe: (items) => this.ingest.deliver(items, 'doctor-probe'),
        pollIntervalMs: this.pollIntervalMs,
        retentionSecondsFallback: this.options.retentionSecondsFallback ?? 60,
        now: this.now,
        logger: this.log,
        running: () => this.loopDone !== null,
      },
      opts,
    );
  }

  on<E extends keyof CollectorEvents>(event: E, listener: (...args: CollectorEvents[E]) => void): () => void {
    const l = listener as (...args: unknown[]) => void;
    this.emitter.on(event, l);
    return () => this.emitter.off(event, l);
  }

  setCredentials(c: { managementKey?: string; baseUrl?: string; cpa?: CollectorCpa }): void {
    if (c.baseUrl) this.baseUrl = c.baseUrl;
    if (c.managementKey) this.managementKey = c.managementKey;
    this.cpa = c.cpa ?? (c.managementKey || c.baseUrl ? this.buildClient() : this.cpa) ?? this.cpa;
    this.log.info('collector: credentials updated');
    if (this.state === 'auth-stopped' || this.state === 'backoff' || this.state === 'unsupported') {
      this.backoff.reset();
      this.wake?.();
    }
  }

  // ---------------------------------------------------------------- internals

  private emit<E extends keyof CollectorEvents>(event: E, ...args: CollectorEvents[E]): void {
    try {
      this.emitter.emit(event, ...args);
    } catch (e) {
      this.log.warn('collector: an event listener threw', { event, error: (e as Error).message });
    }
  }

  private emitState(): void {
    this.emit('state', this.status());
  }

  private setState(s: CollectorState): void {
    if (this.state === s) return;
    this.state = s;
    this.emitState();
  }

  private setError(e: CollectorError): void {
    this.lastError = { code: e.code, message: e.message, hint: hintFor(e.code), atMs: this.now() };
    this.emit('problem', this.lastError);
  }

  private onControl(kind: ControlKind): void {
    if (kind === 'refresh') this.emit('refresh');
  }

  private respTarget(): RespTarget | null {
    if (!this.baseUrl || !this.managementKey) return null;
    return {
      baseUrl: this.baseUrl,
      managementKey: this.managementKey,
      tlsSkipVerify: this.options.tlsSkipVerify ?? false,
      connectTimeoutMs: this.options.connectTimeoutMs ?? 10_000,
    };
  }

  private transportSettings(): TransportSettings {
    return {
      cpa: this.cpa,
      target: this.respTarget(),
      batchSize: this.batchSize,
      pollIntervalMs: this.pollIntervalMs,
      respQueue: this.options.respQueue ?? 'usage',
      respPopSide: this.options.respPopSide ?? 'left',
      subscribePingIntervalMs: this.options.subscribePingIntervalMs ?? 30_000,
    };
  }

  /** Interruptible wait (stop() and setCredentials() wake it, also when stop came first). */
  private async pause(ms: number, signal: AbortSignal): Promise<void> {
    if (signal.aborted) return;
    this.nextRetryAt = this.now() + ms;
    const ctrl = new AbortController();
    this.wake = () => ctrl.abort();
    const unlink = linkAbort(signal, ctrl);
    await sleep(ms, ctrl.signal);
    unlink();
    this.wake = null;
    this.nextRetryAt = null;
  }

  /** Version gate from X-CPA-VERSION (unknown version → try it). */
  private async versionAllows(name: TransportName, stop: AbortSignal): Promise<boolean> {
    if (!this.cpa) return true;
    try {
      // Cached by sdk-cpa after the first answer; refreshed on re-probe so an upgraded CPA is noticed.
      // A read-only probe: abandoning it on stop() loses nothing.
      const v = await abortable(
        this.cpa.getServerVersion({ ...(this.refreshVersion ? { refresh: true } : {}), signal: stop }),
        stop,
      );
      this.refreshVersion = false;
      this.cpaVersion = v.version ?? this.cpaVersion;
    } catch {
      return true;
    }
    return transportSupported(this.cpaVersion, name);
  }

  private async loop(stop: AbortSignal): Promise<void> {
    while (!stop.aborted) {
      const chain = this.mode === 'auto' ? AUTO_CHAIN : [this.mode];
      const idx = this.mode === 'auto' ? Math.min(this.autoIndex, chain.length - 1) : 0;
      const name = chain[idx] as TransportName;
      const isLast = idx === chain.length - 1;

      const built = buildTransport(name, this.transportSettings());
      if (
        typeof built === 'string' ||
        (this.mode === 'auto' && !isLast && !(await this.versionAllows(name, stop)))
      ) {
        if (stop.aborted) break;
        const why = typeof built === 'string' ? built : `CPA ${this.cpaVersion} is too old for ${name}`;
        if (this.mode === 'auto' && !isLast) {
          this.transportNote = `skipped ${name}: ${why}`;
          this.autoIndex = idx + 1;
          continue;
        }
        if (typeof built === 'string') {
          this.setError(new CollectorError('invalid_options', `Transport ${name} cannot run: ${why}.`));
          this.setState('unsupported');
          await this.pause(this.options.reprobeIntervalMs ?? 600_000, stop);
          this.autoIndex = 0;
          continue;
        }
      }
      if (stop.aborted) break; // stop() arrived during the version probe
      const transport = built as Transport;
      this.runCtrl = new AbortController();
      const runCtrl = this.runCtrl;
      const unlinkStop = linkAbort(stop, runCtrl);
      this.transport = name;
      this.emit('transport', name);
      if (this.state !== 'backoff') this.setState('connecting');
      let reprobing = false;
      if (this.mode === 'auto' && idx > 0) {
        this.reprobeTimer = setTimeout(() => {
          reprobing = true;
          this.log.info('collector: re-probing for a better transport', { current: name });
          runCtrl.abort();
        }, this.options.reprobeIntervalMs ?? 600_000);
        this.reprobeTimer.unref?.();
      }
      try {
        await transport.run(this.contextFor(name, runCtrl.signal));
        if (reprobing && !stop.aborted) {
          this.autoIndex = 0;
          this.refreshVersion = true;
          continue;
        }
        if (stop.aborted) break;
        // A transport that returns without being asked to is treated like a transient failure.
        throw new CollectorError('cpa_error', `Transport ${name} ended unexpectedly.`);
      } catch (e) {
        if (stop.aborted) break;
        if (reprobing) {
          this.autoIndex = 0;
          this.refreshVersion = true;
          continue;
        }
        await this.handleFailure(e, name, isLast, stop);
      } finally {
        if (this.reprobeTimer) clearTimeout(this.reprobeTimer);
        this.reprobeTimer = null;
        unlinkStop();
      }
    }
  }

  private async handleFailure(
    e: unknown,
    name: TransportName,
    isLast: boolean,
    stop: AbortSignal,
  ): Promise<void> {
    const now = this.now();
    this.gaps.failed(now);
    const { cls, error } = classifyError(e, name, now);
    if (cls === 'unsupported') {
      if (this.mode === 'auto' && !isLast) {
        this.transportNote = `fell through from ${name}: ${error.message}`;
        this.log.info('collector: transport not supported here, trying the next', {
          transport: name,
          reason: error.message,
        });
        this.autoIndex++;
        return;
      }
      this.setError(error);
      this.setState('unsupported');
      await this.pause(
        this.mode === 'auto' ? Math.min(this.options.reprobeIntervalMs ?? 600_000, 60_000) : this.backoff.next(),
        stop,
      );
      this.autoIndex = 0;
      return;
    }
    if (cls === 'auth') {
      this.setError(error);
      this.setState('auth-stopped');
      this.transport = null;
      const banned =
        error instanceof CollectorAuthError && error.bannedUntilMs
          ? Math.max(0, error.bannedUntilMs - now) + 5000
          : 0;
      const pauseMs = Math.max(banned, this.options.authRetryPauseMs ?? 130 * 60_000);
      this.log.error('collector: CPA refused the management key; not retrying until the key changes', {
        code: error.code,
        pauseMs,
      });
      await this.pause(pauseMs, stop);
      return;
    }
    this.setError(error);
    if (
      error.code === 'subscriber_dropped' ||
      (e instanceof CollectorError && e.code === 'subscriber_dropped')
    ) {
      this.subscriberDrops++;
      // Resubscribe at once — unless CPA keeps dropping us, then back off.
      const rapid = now - this.lastDropMs < 2000;
      this.lastDropMs = now;
      if (!rapid) return;
    }
    this.reconnects++;
    this.setState('backoff');
    const delay = this.backoff.next();
    this.log.warn('collector: transport failed, retrying', {
      transport: name,
      code: error.code,
      delayMs: delay,
      error: error.message,
    });
    await this.pause(delay, stop);
  }

  private contextFor(name: TransportName, signal: AbortSignal): TransportContext {
    return {
      signal,
      logger: this.log,
      now: this.now,
      deliver: (items) => this.ingest.deliver(items, name),
      connected: () => void this.onConnected(name, signal),
      control: (kind) => {
        this.ingest.counters.controlMessages++;
        this.onControl(kind);
      },
      dropped: (atMs) => this.gaps.dropped(atMs),
      drainQueue: (sig) => this.drainQueue(sig),
    };
  }

  private drainQueue(signal: AbortSignal): Promise<number> {
    const deliver = (items: unknown[]) => this.ingest.deliver(items, 'drain');
    return drainQueue(this.transportSettings(), this.cpaVersion, deliver, signal, this.now());
  }

  private async onConnected(name: TransportName, signal: AbortSignal): Promise<void> {
    const now = this.now();
    this.backoff.reset();
    if (this.lastError && this.lastError.code !== 'sink_failed')
      this.lastError = this.committer.failing && this.committer.lastError ? this.lastError : null;
    if (this.mode !== 'auto' || name === 'subscribe')
      this.transportNote = this.mode === 'auto' ? null : this.transportNote;
    this.setState('running');
    await this.refreshRetention(signal);
    await this.gaps.connected(name, now, this.startedAt, this.retentionSeconds);
    this.emitState();
  }

  private async refreshRetention(signal: AbortSignal): Promise<void> {
    if (!this.cpa) {
      this.retentionSeconds ??= this.options.retentionSecondsFallback ?? 60;
      return;
    }
    try {
      this.cpaVersion =
        (await abortable(this.cpa.getServerVersion({ signal }), signal)).version ?? this.cpaVersion;
    } catch {
      /* version stays unknown */
    }
    try {
      const cfg = await abortable(this.cpa.config.get({ signal }), signal);
      const raw = Number(cfg['redis-usage-queue-retention-seconds']);
      // CPA: values <= 0 mean 60, max 3600
      this.retentionSeconds = !(raw > 0) ? 60 : Math.min(raw, 3600);
    } catch {
      this.retentionSeconds ??= this.options.retentionSecondsFallback ?? 60;
    }
  }
}
