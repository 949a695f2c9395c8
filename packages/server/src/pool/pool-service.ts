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
import { applyEdit, editValues, effectivePolicy, lockedChange, lockedFields, type PoolPolicy, type PoolPolicyEdit, type PoolPolicyPatch } from './policy';
import { DEFAULT_UPSTREAM_NAME } from '../config/upstreams-type';
import { scheduleDue, scheduled } from './schedule';
import type { PoolDeps, PoolLogger, PoolRunRow } from './types';
import { buildSnapshot, readInputs, readUsage, type PoolSnapshot, type PoolUsage, type SnapshotInputs } from './views';

const POLICY_KEY = 'pool.policy_overrides';
const LAST_SCHEDULED_KEY = 'pool.last_scheduled_ms';
/** A CPA's own policy fields (several CPAs) live under `pool.policy_overrides.<name>`; the default CPA's are the global ones. */
const cpaPolicyKey = (upstream: string) => `${POLICY_KEY}.${upstream}`;
/** The fields that make a CPA's inspection schedule its own (then it gets runs of its own). */
const SCHEDULE_FIELDS = ['inspectionIntervalMinutes', 'inspectionSchedule', 'inspectionTimePoints', 'inspectionTimeZone'] as const;
/** The fields that pick a run's targets per CPA. */
const TARGET_FIELDS = ['inspectionProviders', 'inspectionSampleSize'] as const;
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
  /** The global policy, or CPA `upstream`'s: its own fields over the global ones ('default' is the global one). */
  policy(upstream?: string): PoolPolicy;
  locked(): Record<string, string>;
  /**
   * The fields the admin saved (what overrides the startup defaults; locked fields are never saved); with a
   * named CPA, the fields saved for that CPA only (what overrides the global policy there).
   */
  savedPolicy(upstream?: string): PoolPolicyPatch;
  /**
   * Saves a partial policy (null drops a saved field), globally or for CPA `upstream`; `{ locked }` names the
   * env variable when a locked field would change.
   */
  updatePolicy(patch: PoolPolicyEdit, upstream?: string): Promise<{ ok: true; policy: PoolPolicy } | { ok: false; field: string; env: string }>;
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
  // Each named CPA's own fields, read once per name (a CPA added at runtime is read when first asked for).
  const savedByCpa = new Map<string, PoolPolicyPatch>();
  const own = (upstream: string | undefined): PoolPolicyPatch =>
    upstream === undefined || upstream === DEFAULT_UPSTREAM_NAME ? {} : (savedByCpa.get(upstream) ?? {});
  const loadCpaPolicies = async () => {
    for (const n of o.cpa.names()) {
      if (n === DEFAULT_UPSTREAM_NAME || savedByCpa.has(n)) continue;
      savedByCpa.set(n, (await settings.get<PoolPolicyPatch>(cpaPolicyKey(n))) ?? {});
    }
  };
  await loadCpaPolicies();
  const policy = (upstream?: string) => effectivePolicy(o.automationConfig, { ...saved, ...own(upstream) });
  const hasOwn = (upstream: string, fields: readonly string[]) => fields.some((f) => (own(upstream) as Record<string, unknown>)[f] !== undefined);
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

  /**
   * The inspection schedules: one for the CPAs that follow the global schedule (one run over them all, as with a
   * single CPA), and one per CPA with a schedule of its own (its runs probe only it). One run at a time: a
   * schedule that comes due while another run is going starts on a later tick.
   */
  const scheduledRuns = async (t: number) => {
    await loadCpaPolicies();
    const all = names();
    const separate = all.filter((n) => n !== DEFAULT_UPSTREAM_NAME && hasOwn(n, SCHEDULE_FIELDS));
    const shared = all.filter((n) => !separate.includes(n));
    const groups: { key: string; p: PoolPolicy; start: StartInspection }[] = [];
    if (shared.length > 0)
      groups.push({ key: LAST_SCHEDULED_KEY, p: policy(), start: { trigger: 'schedule', ...(separate.length > 0 ? { upstreams: shared } : {}) } });
    for (const n of separate) groups.push({ key: `${LAST_SCHEDULED_KEY}.${n}`, p: policy(n), start: { trigger: 'schedule', upstream: n } });
    for (const g of groups) {
      const members = g.start.upstream !== undefined ? [g.start.upstream] : (g.start.upstreams ?? all);
      if (!scheduled(g.p) || inspections.active() || !members.some((n) => o.cpa.of(n) !== null)) continue;
      const last = await settings.get<number>(g.key);
      if (last === undefined) await settings.set(g.key, t);
      else if (scheduleDue(g.p, last, t)) {
        await settings.set(g.key, t);
        await service.startInspection(g.start).catch((err: unknown) => o.logger.warn({ err }, 'pool: scheduled inspection failed to start'));
      }
    }
  };

  const service: PoolService = {
    automation,
    inspections,
    evidence,
    policy,
    locked: () => lockedFields(o.automationConfig),
    savedPolicy: (upstream) => (upstream === undefined || upstream === DEFAULT_UPSTREAM_NAME ? { ...saved } : { ...own(upstream) }),
    async updatePolicy(patch, upstream) {
      const scoped = upstream !== undefined && upstream !== DEFAULT_UPSTREAM_NAME;
      if (scoped) await loadCpaPolicies();
      const current = policy(upstream);
      const lock = lockedChange(o.automationConfig, current, editValues(patch));
      if (lock) return { ok: false, ...lock };
      const stored = applyEdit(scoped ? own(upstream) : saved, patch);
      for (const f of Object.keys(lockedFields(o.automationConfig))) delete (stored as Record<string, unknown>)[f];
      if (scoped) {
        await settings.set(cpaPolicyKey(upstream), stored);
        savedByCpa.set(upstream, stored);
      } else {
        await settings.set(POLICY_KEY, stored);
        saved = stored;
      }
      gen++;
      return { ok: true, policy: policy(upstream) };
    },
    sync,
    async startInspection(opts) {
      const active = inspections.active();
      if (active) return { running: active.id };
      await sync();
      await loadCpaPolicies();
      const inRun = opts.upstream !== undefined ? [opts.upstream] : opts.upstreams ? [...opts.upstreams] : names();
      const accounts = (await repo.listAccounts()).filter((a) => inRun.includes(upstreamOfKey(a.authIndex)));
      // Providers and sample size per CPA: a CPA with its own picks its targets alone; the others share the
      // global ones (one sample over all of them, as with a single policy).
      const ownTargets = new Set(inRun.filter((n) => hasOwn(n, TARGET_FIELDS)));
      const pick = (accs: PoolAccountRow[], p: PoolPolicy) =>
        inspectionTargets(accs, {
          providers: p.inspectionProviders,
          ...(opts.provider ? { provider: opts.provider } : {}),
          ...(opts.authIndexes ? { authIndexes: opts.authIndexes } : {}),
          sampleSize: p.inspectionSampleSize,
        });
      const targets = [
        ...pick(accounts.filter((a) => !ownTargets.has(upstreamOfKey(a.authIndex))), policy(opts.upstream)),
        ...[...ownTargets].flatMap((n) => pick(accounts.filter((a) => upstreamOfKey(a.authIndex) === n), policy(n))),
      ];
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
      await scheduledRuns(t);
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
