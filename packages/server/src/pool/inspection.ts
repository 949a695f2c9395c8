// Inspection runs: probe accounts through CPA's api-call with bounded concurrency, classify each answer by
// its inner status, persist results and windows, hand outcomes to the automation, publish progress.
// One run at a time; cancel aborts in-flight probes (their accounts get no result).
import { setMaxListeners } from 'node:events';
import type { Automation } from './automation';
import { upstreamOfKey } from './pool-key';
import { runProbe } from './probe-runner';
import { probeRequest, type ParsedWindow, type ProbeOutcome } from './quota-parse';
import { toRun, type InspectionResultKind, type InspectionRun, type PoolAccountRow, type PoolDeps, type PoolResultRow, type PoolRunRow, type PoolWindowRow } from './types';

export interface StartInspection {
  trigger: 'manual' | 'schedule';
  provider?: string;
  authIndexes?: string[];
  dryRun?: boolean;
  /** Only this CPA's accounts (several CPAs); none: every CPA's. The run records it. */
  upstream?: string;
  /** Only these CPAs' accounts (the schedule of the CPAs that follow the global one); ignored with `upstream`. */
  upstreams?: readonly string[];
}

export interface InspectionService {
  /** Starts a run over the targets (already synced accounts); null when one is running. */
  start(targets: readonly PoolAccountRow[], opts: StartInspection): Promise<PoolRunRow | null>;
  cancel(id: number): Promise<PoolRunRow | undefined>;
  active(): { id: number; done: Promise<void> } | null;
  /** Aborts a running run and waits for it (app close). */
  stop(): Promise<void>;
}

export const toWindowRows = (windows: readonly ParsedWindow[], observedAtMs: number, source: 'inspection' | 'response-header'): PoolWindowRow[] =>
  windows.map((w) => ({ ...w, source, observedAtMs }));

function suggested(acc: PoolAccountRow, o: ProbeOutcome, owned: boolean): PoolResultRow['suggestedAction'] {
  switch (o.result) {
    case 'exhausted':
      return acc.disabled ? 'none' : 'disable';
    case 'unauthorized':
      return 'reauth';
    case 'banned':
      return 'delete';
    case 'ok':
      return acc.disabled && owned ? 'enable' : 'none';
    default:
      return 'none';
  }
}

/** The accounts an inspection would probe: those with a known quota endpoint, filtered. */
export function inspectionTargets(
  accounts: readonly PoolAccountRow[],
  opts: { providers: readonly string[]; provider?: string; authIndexes?: readonly string[]; sampleSize?: number },
): PoolAccountRow[] {
  const wanted = opts.authIndexes ? new Set(opts.authIndexes) : null;
  const all = accounts.filter((a) => {
    if (a.deletedMs !== null) return false;
    if (wanted) return wanted.has(a.authIndex) && probeRequest(a.provider, a.chatgptAccountId) !== null;
    if (opts.provider ? a.provider !== opts.provider : !opts.providers.includes(a.provider)) return false;
    return probeRequest(a.provider, a.chatgptAccountId) !== null;
  });
  // A sample: the least recently inspected first (never-inspected before all), so runs rotate through the pool.
  if (wanted || !opts.sampleSize || all.length <= opts.sampleSize) return all;
  return [...all].sort((a, b) => (a.lastInspectionMs ?? -1) - (b.lastInspectionMs ?? -1) || (a.authIndex < b.authIndex ? -1 : 1)).slice(0, opts.sampleSize);
}

export function createInspectionService(d: PoolDeps, automation: Automation, onFinished: () => Promise<void> | void = () => {}): InspectionService {
  let current: { id: number; abort: AbortController; done: Promise<void> } | null = null;

  const execute = async (run: PoolRunRow, targets: readonly PoolAccountRow[], dryRun: boolean, abort: AbortController, upstream?: string): Promise<void> => {
    const counts: Record<InspectionResultKind, number> = { ok: 0, unauthorized: 0, exhausted: 0, banned: 0, error: 0 };
    let done = 0;
    let next = 0;
    let buffer: PoolResultRow[] = [];
    const every = Math.max(1, Math.floor(targets.length / 50));
    // Results and their windows are written in batches (one transaction each, not one per probe).
    const flush = async () => {
      if (buffer.length === 0) return;
      const batch = buffer;
      buffer = [];
      await d.repo.recordWindowsBatch(batch.filter((r) => r.windows.length > 0));
      await d.repo.addResults(batch);
    };
    const progress = async (final = false) => {
      await flush();
      const row = await d.repo.updateRun(run.id, { done, counts });
      if (!final) d.publish({ type: 'inspection-progress', run: toRun(row) });
    };
    const probe = async (acc: PoolAccountRow): Promise<void> => {
      const cpa = d.cpa(acc.authIndex);
      if (!probeRequest(acc.provider, acc.chatgptAccountId)) return;
      let outcome: ProbeOutcome;
      if (!cpa) outcome = { result: 'error', httpStatus: null, detail: 'cpamp is not connected to CPA', windows: [], resetAtMs: null, expired: false, plan: null };
      else {
        try {
          // Retries, timeout, User-Agent, used-% threshold and xAI's inference probe come from the policy.
          const got = await runProbe(cpa, acc, d.policy(upstreamOfKey(acc.authIndex)), abort.signal, d.now);
          if (!got) return;
          outcome = got;
        } catch (err) {
          if (abort.signal.aborted) return;
          outcome = { result: 'error', httpStatus: null, detail: `CPA api-call failed: ${(err as Error).message.slice(0, 300)}`, windows: [], resetAtMs: null, expired: false, plan: null };
        }
      }
      if (abort.signal.aborted) return;
      const at = d.now();
      const windows = toWindowRows(outcome.windows, at, 'inspection');
      const owned = (await d.repo.getOwnership(acc.authIndex)) !== undefined;
      buffer.push({
        runId: run.id,
        authIndex: acc.authIndex,
        fileName: acc.fileName,
        provider: acc.provider,
        result: outcome.result,
        httpStatus: outcome.httpStatus,
        detail: outcome.detail,
        windows,
        suggestedAction: suggested(acc, outcome, owned),
        atMs: at,
      });
      counts[outcome.result]++;
      try {
        if (outcome.result === 'exhausted') await automation.onExhausted(acc, outcome.resetAtMs, `inspection: ${outcome.detail}`, { dryRun });
        else if (outcome.result === 'unauthorized') await automation.onAuthIssue(acc, outcome.expired ? 'expired' : 'unauthorized', outcome.detail, { dryRun });
        else if (outcome.result === 'banned') {
          await automation.onAuthIssue(acc, 'banned', outcome.detail, { dryRun });
          // The policy's auto-action for a banned account (Plus: disable or delete; none = suggest only).
          const act = d.policy(upstreamOfKey(acc.authIndex)).inspectionAutoAction;
          if (act !== 'none' && !(act === 'disable' && acc.disabled)) await automation.act(acc, act, `inspection run #${run.id}: ${outcome.detail.slice(0, 160)}`, { dryRun });
        }
        else if (outcome.result === 'ok') await automation.onHealthy(acc);
      } catch (err) {
        d.logger.error({ err, authIndex: acc.authIndex }, 'pool: automation after a probe failed');
      }
    };
    const worker = async () => {
      while (!abort.signal.aborted) {
        const i = next++;
        if (i >= targets.length) return;
        await probe(targets[i]!);
        done++;
        if (done % every === 0 || buffer.length >= 200) await progress();
      }
    };
    const n = Math.max(1, Math.min(d.policy(upstream).inspectionConcurrency, targets.length || 1));
    try {
      await Promise.all(Array.from({ length: n }, worker));
      await progress(true);
      const final = await d.repo.updateRun(run.id, { done, counts, state: abort.signal.aborted ? 'cancelled' : 'done' });
      d.publish({ type: 'inspection-progress', run: toRun(final) });
    } catch (err) {
      d.logger.error({ err, runId: run.id }, 'pool: inspection run failed');
      await flush();
      const final = await d.repo.updateRun(run.id, { done, counts, state: 'failed', error: (err as Error).message.slice(0, 500) });
      d.publish({ type: 'inspection-progress', run: toRun(final) });
    } finally {
      d.invalidate('data');
      try {
        await onFinished();
      } catch (err) {
        d.logger.error({ err }, 'pool: after-run step failed');
      }
    }
  };

  return {
    async start(targets, opts) {
      if (current) return null;
      const dryRun = opts.dryRun === true || d.policy(opts.upstream).dryRun;
      const abort = new AbortController();
      // Every in-flight probe listens on the one signal.
      setMaxListeners(0, abort.signal);
      // Taken before the run row is written: a second start meanwhile sees this one.
      const entry = { id: 0, abort, done: Promise.resolve() };
      current = entry;
      let run: PoolRunRow;
      try {
        const upstream = opts.upstream ?? (opts.upstreams?.length === 1 ? opts.upstreams[0] : null);
        run = await d.repo.createRun({ trigger: opts.trigger, total: targets.length, dryRun, upstream });
      } catch (err) {
        current = null;
        throw err;
      }
      entry.id = run.id;
      entry.done = execute(run, targets, dryRun, abort, opts.upstream).finally(() => {
        if (current === entry) current = null;
      });
      d.publish({ type: 'inspection-progress', run: toRun(run) });
      return run;
    },
    async cancel(id) {
      const run = await d.repo.getRun(id);
      if (!run) return undefined;
      if (current && current.id === id) current.abort.abort();
      return run;
    },
    active: () => (current ? { id: current.id, done: current.done } : null),
    async stop() {
      const c = current;
      if (!c) return;
      c.abort.abort();
      await c.done.catch(() => undefined);
    },
  };
}

export type { InspectionRun };
