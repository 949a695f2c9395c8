// The account-pool runtime: keeps the pool's copy of CPA's auth files, runs inspections (on demand and on
// the policy's schedule), scans traffic evidence, restores cooldowns at their reset, emits alert signals
// and serves cached views. Time always comes from `now`; `tick()` is the one periodic step (the plugin's
// timer calls it, tests call it after moving the clock).
import { accountKey, type StoreRepositories } from '@cpamp/store';
import type { CpaAuthFile } from '@cpamp/sdk-cpa';
import type { Config } from '../config';
import type { AlertSignal } from '../alerts/signal-bus';
import { createAutomation, type Automation } from './automation';
import type { PoolCpa } from './cpa-port';
import { createEvidenceScanner, type EvidenceScanner } from './evidence';
import { createInspectionService, inspectionTargets, type InspectionService, type StartInspection } from './inspection';
import { effectivePolicy, lockedChange, lockedFields, PoolPolicyPatchSchema, type PoolPolicy, type PoolPolicyPatch } from './policy';
import { scheduleDue, scheduled } from './schedule';
import type { PoolDeps, PoolLogger, PoolRunRow } from './types';
import { buildSnapshot, readInputs, readUsage, type PoolSnapshot, type PoolUsage, type SnapshotInputs } from './views';

const POLICY_KEY = 'pool.policy_overrides';
const LAST_SCHEDULED_KEY = 'pool.last_scheduled_ms';
/**
 * Readings of windows with less than this left are sent as quota-low signals (again whenever they move by a
 * point), so alert rules with any threshold below it fire as an account declines; the rule decides.
 */
export const QUOTA_LOW_PERCENT = 50;
/** Re-read CPA's auth files at least this often from tick(). */
const SYNC_EVERY_MS = 5 * 60_000;
/** Soft changes (traffic evidence) rebuild the views at most this often. */
const SOFT_TTL_MS = 5_000;
const PRUNE_EVERY_MS = 3_600_000;
/** Usage (burn rates, value) is re-read at most this often: actions and results do not change it. */
const USAGE_TTL_MS = 60_000;

export interface PoolServiceOptions {
  store: Pick<StoreRepositories, 'pool' | 'analytics' | 'settings' | 'events'>;
  cpa: () => PoolCpa | null;
  automationConfig: Config['automation'];
  now: () => number;
  emit: (signal: AlertSignal) => void;
  publish: (payload: unknown) => void;
  logger: PoolLogger;
}

export interface PoolService {
  readonly automation: Automation;
  readonly inspections: InspectionService;
  readonly evidence: EvidenceScanner;
  policy(): PoolPolicy;
  locked(): Record<string, string>;
  /** The fields the admin saved (what overrides the startup defaults; locked fields are never saved). */
  savedPolicy(): PoolPolicyPatch;
  /** Saves a partial policy; `{ locked }` names the env variable when a locked field would change. */
  updatePolicy(patch: PoolPolicyPatch): Promise<{ ok: true; policy: PoolPolicy } | { ok: false; field: string; env: string }>;
  /** Re-reads CPA's auth files into the pool (and drops ownership of what changed outside cpamp). */
  sync(): Promise<{ accounts: number }>;
  /** Syncs, then starts an inspection; `{ running }` when one already runs. */
  startInspection(opts: StartInspection): Promise<{ run: PoolRunRow } | { running: number }>;
  snapshot(): Promise<PoolSnapshot>;
  /** One periodic step: scheduled inspection, evidence, recovery, signals, pruning. */
  tick(): Promise<void>;
  stop(): Promise<void>;
}

function providerOf(f: CpaAuthFile): string {
  const p = (f.provider || f.type || '').toLowerCase();
  return p === 'gemini' ? 'gemini-cli' : p || 'unknown';
}

export async function createPoolService(o: PoolServiceOptions): Promise<PoolService> {
  const repo = o.store.pool;
  const settings = o.store.settings;
  let snap: PoolSnapshot | null = null;
  let hardDirty = true;
  let softDirtyAt: number | null = null;
  let lastSync = Number.NEGATIVE_INFINITY;
  let lastPrune = Number.NEGATIVE_INFINITY;
  let snapBuiltAt = 0;
  let usage: PoolUsage | null = null;
  let inputs: SnapshotInputs | null = null;
  /** Last remaining-% reading sent per account. */
  const lowAccounts = new Map<string, number>();
  const forecastOpen = new Set<string>();
  // The saved policy is read once and kept: only updatePolicy() writes it.
  let saved = (await settings.get<PoolPolicyPatch>(POLICY_KEY)) ?? {};
  const policy = () => effectivePolicy(o.automationConfig, saved);
  let building: Promise<PoolSnapshot> | null = null;

  const deps: PoolDeps = {
    repo,
    settings,
    events: o.store.events,
    cpa: o.cpa,
    now: o.now,
    policy,
    emit: o.emit,
    publish: o.publish,
    logger: o.logger,
    invalidate(kind) {
      if (kind === 'soft') softDirtyAt ??= Date.now();
      else hardDirty = true;
      if (kind !== 'state') inputs = null;
    },
  };
  // A run left 'running' by a crash can never finish.
  await repo.interruptRunningRuns();
  const automation = createAutomation(deps);
  // Signals follow a finished run at once (quota-low, forecasts), not only the next tick.
  const inspections = createInspectionService(deps, automation, async () => signals(await snapshot()));
  const evidence = createEvidenceScanner(deps, automation);
  await evidence.init();

  const sync = async () => {
    const cpa = o.cpa();
    if (!cpa) return { accounts: 0 };
    const files = await cpa.listAuthFiles();
    const listed = files.filter((f) => (f.auth_index ?? '') !== '');
    // The canonical identity of each file (upstream + provider + account id / email): history follows it.
    await repo.linkIdentities(
      listed.map((f) => ({
        authIndex: f.auth_index as string,
        provider: providerOf(f),
        accountKey: accountKey({ provider: providerOf(f), accountId: f.id_token?.chatgpt_account_id ?? null, email: f.email ?? null, authIndex: f.auth_index as string }),
      })),
    );
    await repo.syncAccounts(
      listed
        .map((f) => ({
          authIndex: f.auth_index as string,
          fileName: f.name,
          provider: providerOf(f),
          email: f.email ?? null,
          plan: f.id_token?.plan_type ?? null,
          chatgptAccountId: f.id_token?.chatgpt_account_id ?? null,
          disabled: f.disabled === true || f.status === 'disabled',
          cpaStatus: f.status ?? null,
          statusMessage: f.status_message ?? null,
        })),
    );
    lastSync = o.now();
    await automation.reconcile();
    hardDirty = true;
    return { accounts: files.length };
  };

  const rebuild = async (): Promise<PoolSnapshot> => {
    const t = o.now();
    // Cleared first: a change while this build reads marks the result stale again.
    hardDirty = false;
    softDirtyAt = null;
    if (!usage || t - usage.atMs >= USAGE_TTL_MS || t < usage.atMs) usage = await readUsage(o.store, t);
    if (!inputs || t - inputs.atMs >= USAGE_TTL_MS || t < inputs.atMs) inputs = await readInputs(o.store, t);
    snap = await buildSnapshot(o.store, t, usage, inputs);
    snapBuiltAt = Date.now();
    return snap;
  };
  const snapshot = async (): Promise<PoolSnapshot> => {
    const stale = hardDirty || !snap || (softDirtyAt !== null && Date.now() - snapBuiltAt >= SOFT_TTL_MS);
    if (!stale) return snap as PoolSnapshot;
    // Concurrent readers share one build.
    building ??= rebuild().finally(() => {
      building = null;
    });
    return building;
  };

  const signals = (s: PoolSnapshot) => {
    for (const a of s.accounts) {
      const low = a.windows
        .filter((w) => w.remainingPercent !== null && w.remainingPercent < QUOTA_LOW_PERCENT && (w.resetAtMs === null || w.resetAtMs > s.generatedAtMs))
        .sort((x, y) => (x.remainingPercent as number) - (y.remainingPercent as number))[0];
      if (low) {
        const remaining = Math.floor(low.remainingPercent as number);
        if (lowAccounts.get(a.authIndex) !== remaining) {
          lowAccounts.set(a.authIndex, remaining);
          o.emit({ kind: 'quota-low', subject: a.authIndex, provider: a.provider, window: low.window, remainingPercent: low.remainingPercent as number, resetAtMs: low.resetAtMs });
        }
      } else if (lowAccounts.delete(a.authIndex)) {
        o.emit({ kind: 'resolved', resolves: 'quota-low', subject: a.authIndex });
      }
    }
    for (const p of s.providers) {
      const subject = `pool:${p.provider}${p.plan ? `:${p.plan}` : ''}`;
      if (p.verdict === 'empty' || p.verdict === 'at-risk') {
        forecastOpen.add(subject);
        // An empty pool runs dry now and stays so until the first account comes back.
        const empty = p.verdict === 'empty';
        o.emit({ kind: 'pool-exhaustion-forecast', subject, provider: p.provider, plan: p.plan, exhaustAtMs: empty ? s.generatedAtMs : p.exhaustAtMs, nextResetAtMs: empty ? p.emptyUntilMs : p.nextResetAtMs });
      } else if (forecastOpen.delete(subject)) {
        o.emit({ kind: 'resolved', resolves: 'pool-exhaustion-forecast', subject });
      }
    }
  };

  const service: PoolService = {
    automation,
    inspections,
    evidence,
    policy,
    locked: () => lockedFields(o.automationConfig),
    savedPolicy: () => ({ ...saved }),
    async updatePolicy(patch) {
      const current = policy();
      const lock = lockedChange(o.automationConfig, current, patch);
      if (lock) return { ok: false, ...lock };
      const stored = PoolPolicyPatchSchema.parse({ ...saved, ...patch });
      for (const f of Object.keys(lockedFields(o.automationConfig))) delete (stored as Record<string, unknown>)[f];
      await settings.set(POLICY_KEY, stored);
      saved = stored;
      return { ok: true, policy: policy() };
    },
    sync,
    async startInspection(opts) {
      const active = inspections.active();
      if (active) return { running: active.id };
      await sync();
      const p = policy();
      const targets = inspectionTargets(await repo.listAccounts(), {
        providers: p.inspectionProviders,
        ...(opts.provider ? { provider: opts.provider } : {}),
        ...(opts.authIndexes ? { authIndexes: opts.authIndexes } : {}),
        sampleSize: p.inspectionSampleSize,
      });
      const run = await inspections.start(targets, opts);
      if (!run) return { running: inspections.active()?.id ?? 0 };
      return { run };
    },
    snapshot,
    async tick() {
      const t = o.now();
      try {
        // Recovery decides on fresh state: a due cooldown forces a sync.
        const due = (await repo.listOwnership()).some((w) => w.kind === 'quota' && w.recoverAtMs !== null && w.recoverAtMs <= t);
        if (o.cpa() && (due || t - lastSync >= SYNC_EVERY_MS)) await sync();
      } catch (err) {
        o.logger.warn({ err }, 'pool: reading CPA auth files failed');
      }
      await evidence.scan();
      await automation.recoverDue();
      await automation.resolveExhaustedDue();
      const p = policy();
      if (scheduled(p) && !inspections.active() && o.cpa()) {
        const last = await settings.get<number>(LAST_SCHEDULED_KEY);
        if (last === undefined) await settings.set(LAST_SCHEDULED_KEY, t);
        else if (scheduleDue(p, last, t)) {
          await settings.set(LAST_SCHEDULED_KEY, t);
          await service.startInspection({ trigger: 'schedule' }).catch((err: unknown) => o.logger.warn({ err }, 'pool: scheduled inspection failed to start'));
        }
      }
      signals(await snapshot());
      if (t - lastPrune >= PRUNE_EVERY_MS) {
        lastPrune = t;
        await repo.prune();
      }
    },
    async stop() {
      await inspections.stop();
    },
  };
  return service;
}
