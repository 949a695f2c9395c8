// Applies an inspection run's suggestions in bulk (disable exhausted, enable recovered, delete banned),
// as the admin's decision: each is logged with the run and the result it came from; dry run only logs.
import type { Automation } from './automation';
import type { PoolActionRow, PoolRepository } from '@cpamp/store';

export type BulkAction = 'disable' | 'enable' | 'delete';
export const BULK_ACTIONS: readonly BulkAction[] = ['disable', 'enable', 'delete'];

export interface ApplyOutcome {
  applied: number;
  failed: number;
  skipped: number;
  actions: PoolActionRow[];
}

export async function applySuggestions(
  repo: Pick<PoolRepository, 'listResults' | 'getAccount'>,
  automation: Pick<Automation, 'act'>,
  runId: number,
  opts: {
    actions?: readonly BulkAction[];
    authIndexes?: readonly string[];
    dryRun?: boolean;
    upstream?: string;
  },
): Promise<ApplyOutcome> {
  const wanted = new Set(opts.actions ?? BULK_ACTIONS);
  const only = opts.authIndexes ? new Set(opts.authIndexes) : null;
  const out: ApplyOutcome = { applied: 0, failed: 0, skipped: 0, actions: [] };
  for (let offset = 0; ; offset += 1000) {
    // A CPA named: only its accounts' suggestions (a run over every CPA, applied from one CPA's view).
    const { items } = await repo.listResults(runId, {
      limit: 1000,
      offset,
      ...(opts.upstream ? { upstream: opts.upstream } : {}),
    });
    for (const r of items) {
      const action = r.suggestedAction;
      if (action !== 'disable' && action !== 'enable' && action !== 'delete') continue;
      if (!wanted.has(action) || (only && !only.has(r.authIndex))) continue;
      const acc = await repo.getAccount(r.authIndex);
      // Gone, or already in the suggested state since the run: nothing to do.
      if (
        !acc ||
        acc.deletedMs !== null ||
        (action === 'disable' && acc.disabled) ||
        (action === 'enable' && !acc.disabled)
      ) {
        out.skipped++;
        continue;
      }
      const entry = await automation.act(
        acc,
        action,
        `inspection run #${runId} suggested ${action} (${r.result}: ${r.detail.slice(0, 120)})`,
        { actor: 'user', dryRun: opts.dryRun === true },
      );
      out.actions.push(entry);
      if (entry.ok) out.applied++;
      else out.failed++;
    }
    if (items.length < 1000) break;
  }
  return out;
}
