// The account-pool runtime: keeps the pool's copy of CPA's auth files, runs inspections (on demand and on
// the policy's schedule), scans traffic evidence, restores cooldowns at their reset, emits alert signals
// and serves cached views. Time always comes from `now`; `tick()` is the one periodic step (the plugin's
// timer calls it, tests call it after moving the clock).
import { accountKey, type StoreRepositories } from '@cpamp/store';
import type { CpaAuthFile } from '@cpamp/sdk-cpa';
import type { PoolAccountRow, PoolAccountSnapshot } from '@cpamp/store';
import type { Config } from '../config';
import type { AlertSignal } from '../alerts/signal-bus';
import { createAutomation, type Automation } from './automation';
import type { PoolCpaProvider } from './cpa-port';
import { poolKey, upstreamOfKey } from './pool-key';
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
  /** Every CPA's port (cpa-port.ts): `of(name)` is null while that CPA is not connected. */
  cpa: Pick<PoolCpaProvider, 'of' | 'names'>;
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
  /** Re-reads every CPA's auth files into the pool (and drops ownership of what changed outside cpamp). */
  sync(): Promise<{ accounts: number }>;
  /** Syncs, then starts an inspection; `{ running }` when one already runs. */
  startInspection(opts: StartInspection): Promise<{ run: PoolRunRow } | { running: number }>;
  /** The pool of one CPA (`upstream`), or of every CPA. */
  snapshot(upstream?: string): Promise<PoolSnapshot>;
  /** Every CPA's name, the default one first. */
  upstreams(): string[];
  /** One periodic step: scheduled inspection, evidence, recovery, signals, pruning. */
  tick(): Promise<void>;
  stop(): Promise<void>;
}

/** A stored account as a sync entry (a CPA that cannot be read keeps what the pool knew). */
function snapshotOf(a: PoolAccountRow): PoolAccountSnapshot {
  const { lastInspectionMs: _l, lastResult: _r, syncedMs: _s, deletedMs: _d, ...rest } = a;
  return rest;
}

function providerOf(f: CpaAuthFile): string {
  const p = (f.provider || f.type || '').toLowerCase();
  return p === 'gemini' ? 'gemini-cli' : p || 'unknown';
}

export async function createPoolService(o: PoolServiceOptions): Promise<PoolService> {
  const repo = o.store.pool;
  const settings = o.store.settings;
  // Snapshots per scope ('' = every CPA, else one CPA's name), all made stale together: `gen` counts hard
  // changes, `softGen` soft ones (traffic evidence: a scope is rebuilt at most every SOFT_TTL_MS for them).
  const snaps = new Map<string, { snap: PoolSnapshot; gen: number; softGen: number; builtAt: number }>();
  let gen = 0;
  let softGen = 0;
  let lastSync = Number.NEGATIVE_INFINITY;
  let lastPrune = Number.NEGATIVE_INFINITY;
  let usage: PoolUsage | null = null;
  let inputs: SnapshotInputs | null = null;
  /** Last remaining-% reading sent per account. */
  const lowAccounts = new Map<string, number>();
  const forecastOpen = new Set<string>();
  // The saved policy is read once and kept: only updatePolicy() writes it.
  let saved = (await settings.get<PoolPolicyPatch>(POLICY_KEY)) ?? {};
  const policy = () => effectivePolicy(o.automationConfig, saved);
  const building = new Map<string, Promise<PoolSnapshot>>();
  const names = () => o.cpa.names();
  const several = () => names().length > 1;
  const connected = () => names().some((n) => o.cpa.of(n) !== null);

  const deps: PoolDeps = {
    repo,
    settings,
    events: o.store.events,
    cpa: (key) => o.cpa.of(key === undefined ? (names()[0] ?? 'default') : upstreamOfKey(key)),
    now: o.now,
    policy,
    emit: o.emit,
    publish: o.publish,
    logger: o.logger,
    invalidate(kind) {
      if (kind === 'soft') softGen++;
      else gen++;
      if (kind !== 'state') inputs = null;
    },
  };
  // A run left 'running' by a crash can never finish.
  await repo.interruptRunningRuns();
  const automation = createAutomation(deps);
  // Signals follow a finished run at once (quota-low, forecasts), not only the next tick.
  const inspections = createInspectionService(deps, automation, () => signals());
  const evidence = createEvidenceScanner(deps, automation);
  await evidence.init();

  /** One CPA's auth files as the pool stores them (keys per pool-key.ts); null when it is not connected. */
  const listOf = async (upstream: string) => {
    const cpa = o.cpa.of(upstream);
    if (!cpa) return null;
    const files = (await cpa.listAuthFiles()).filter((f) => (f.auth_index ?? '') !== '');
    return files.map((f) => ({ f, key: poolKey(upstream, f.auth_index as string), upstream }));
  };

  const sync = async () => {
    const all = names();
    const listed: { f: CpaAuthFile; key: string; upstream: string }[] = [];
    const kept: PoolAccountSnapshot[] = [];
    let reached = 0;
    let firstError: unknown = null;
    for (const upstream of all) {
      try {
        const got = await listOf(upstream);
        if (got) {
          reached++;
          listed.push(...got);
          continue;
        }
      } catch (err) {
        firstError ??= err;
        o.logger.warn({ err, upstream }, 'pool: reading a CPA\'s auth files failed');
      }
      // A CPA that cannot be read now keeps its accounts as they were (the sync replaces the whole pool).
      if (all.length > 1) for (const a of await repo.listAccounts()) if (upstreamOfKey(a.authIndex) === upstream) kept.push(snapshotOf(a));
    }
    if (reached === 0) {
      if (firstError) throw firstError;
      return { accounts: 0 };
    }
    // The canonical identity of each file (upstream + provider + account id / email): history follows it.
    await repo.linkIdentities(
      listed.map(({ f, key, upstream }) => ({
        authIndex: key,
        provider: providerOf(f),
        accountKey: accountKey({ upstream, provider: providerOf(f), accountId: f.id_token?.chatgpt_account_id ?? null, email: f.email ?? null, authIndex: f.auth_index as string }),
      })),
    );
    await repo.syncAccounts([
      ...listed.map(({ f, key }) => ({
        authIndex: key,
        fileName: f.name,
        provider: providerOf(f),
        email: f.email ?? null,
        plan: f.id_token?.plan_type ?? null,
        chatgptAccountId: f.id_token?.chatgpt_account_id ?? null,
        disabled: f.disabled === true || f.status === 'disabled',
        cpaStatus: f.status ?? null,
        statusMessage: f.status_message ?? null,
      })),
      ...kept,
    ]);
    lastSync = o.now();
    await automation.reconcile();
    gen++;
    return { accounts: listed.length };
  };

  const rebuild = async (scope: string): Promise<PoolSnapshot> => {
    const t = o.now();
    // Taken first: a change while this build reads marks the result stale again.
    const at = { gen, softGen, builtAt: Date.now() };
    const ups = names();
    if (!usage || t - usage.atMs >= USAGE_TTL_MS || t < usage.atMs) usage = await readUsage(o.store, t, ups.length > 1 ? ups : undefined);
    if (!inputs || t - inputs.atMs >= USAGE_TTL_MS || t < inputs.atMs) inputs = await readInputs(o.store, t);
    const snap = await buildSnapshot(o.store, t, usage, inputs, scope === '' ? undefined : scope);
    snaps.set(scope, { snap, ...at });
    return snap;
  };
  const snapshot = async (upstream?: string): Promise<PoolSnapshot> => {
    const scope = upstream ?? '';
    const hit = snaps.get(scope);
    const stale = !hit || hit.gen !== gen || (hit.softGen !== softGen && Date.now() - hit.builtAt >= SOFT_TTL_MS);
    if (!stale) return hit.snap;
    // Concurrent readers share one build.
    let b = building.get(scope);
    if (!b) {
      b = rebuild(scope).finally(() => building.delete(scope));
      building.set(scope, b);
    }
    return b;
  };

  // Account subjects are pool keys and pool subjects carry the same CPA prefix (pool-key.ts), so every
  // alert is per CPA: the same account name or provider on two CPAs opens two incidents.
  const signals = async () => {
    const s = await snapshot();
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
    const scopes: [string, PoolSnapshot][] = [];
    if (several()) for (const n of names()) scopes.push([n, await snapshot(n)]);
    else scopes.push([names()[0] ?? 'default', s]);
    for (const [upstream, one] of scopes) for (const p of one.providers) {
      const subject = poolKey(upstream, `pool:${p.provider}${p.plan ? `:${p.plan}` : ''}`);
      if (p.verdict === 'empty' || p.verdict === 'at-risk') {
        forecastOpen.add(subject);
        // An empty pool runs dry now and stays so until the first account comes back.
        const empty = p.verdict === 'empty';
        o.emit({ kind: 'pool-exhaustion-forecast', subject, provider: p.provider, plan: p.plan, exhaustAtMs: empty ? one.generatedAtMs : p.exhaustAtMs, nextResetAtMs: empty ? p.emptyUntilMs : p.nextResetAtMs });
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
      const accounts = (await repo.listAccounts()).filter((a) => opts.upstream === undefined || upstreamOfKey(a.authIndex) === opts.upstream);
      const targets = inspectionTargets(accounts, {
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
    upstreams: names,
    async tick() {
      const t = o.now();
      try {
        // Recovery decides on fresh state: a due cooldown forces a sync.
        const due = (await repo.listOwnership()).some((w) => w.kind === 'quota' && w.recoverAtMs !== null && w.recoverAtMs <= t);
        if (connected() && (due || t - lastSync >= SYNC_EVERY_MS)) await sync();
      } catch (err) {
        o.logger.warn({ err }, 'pool: reading CPA auth files failed');
      }
      await evidence.scan();
      await automation.recoverDue();
      await automation.resolveExhaustedDue();
      const p = policy();
      if (scheduled(p) && !inspections.active() && connected()) {
        const last = await settings.get<number>(LAST_SCHEDULED_KEY);
        if (last === undefined) await settings.set(LAST_SCHEDULED_KEY, t);
        else if (scheduleDue(p, last, t)) {
          await settings.set(LAST_SCHEDULED_KEY, t);
          await service.startInspection({ trigger: 'schedule' }).catch((err: unknown) => o.logger.warn({ err }, 'pool: scheduled inspection failed to start'));
        }
      }
      await signals();
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
