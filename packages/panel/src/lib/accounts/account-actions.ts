// Which actions fit an account's state (issue #17), for the row menu, the drawer and a selection: a bulk
// action first says what it will do (and what it skips), then runs with bounded concurrency and progress.
import { mapLimit } from '../async/map-limit';

export const ACCOUNT_ACTIONS = ['enable', 'reenable', 'disable', 'delete', 'inspect', 'priority', 'relogin', 'download'] as const;
export type AccountAction = (typeof ACCOUNT_ACTIONS)[number];

export interface ActionTarget {
  authIndex: string;
  fileName: string | null;
  status: string;
  /** Disabled in CPA (whoever did it). */
  disabled: boolean;
}

const REAUTH = new Set(['expired', 'unauthorized']);

/** The actions that make sense for one account now. */
export function actionsFor(a: ActionTarget): AccountAction[] {
  const out: AccountAction[] = [];
  const file = a.fileName !== null;
  if (file && a.status === 'cooldown') out.push('reenable');
  else if (file && a.disabled) out.push('enable');
  else if (file) out.push('disable');
  if (file && REAUTH.has(a.status)) out.push('relogin');
  out.push('inspect');
  if (file) out.push('priority', 'download', 'delete');
  return out;
}

/** For a selection: who the action applies to (`reenable` and `enable` both count as enabling). */
export function planBulk<T extends ActionTarget>(action: AccountAction, items: readonly T[]): { targets: T[]; skipped: T[] } {
  const fits = (a: T) => {
    const acts = actionsFor(a);
    if (action === 'enable') return acts.includes('enable') || acts.includes('reenable');
    return acts.includes(action);
  };
  const targets: T[] = [];
  const skipped: T[] = [];
  for (const a of items) (fits(a) ? targets : skipped).push(a);
  return { targets, skipped };
}

export interface BulkProgress {
  done: number;
  failed: number;
  total: number;
  errors: string[];
}

/** Runs `fn` over the targets (8 at a time), reporting progress after each; never throws. */
export async function runBulk<T>(targets: readonly T[], fn: (t: T) => Promise<void>, onProgress: (p: BulkProgress) => void, signal?: AbortSignal): Promise<BulkProgress> {
  const p: BulkProgress = { done: 0, failed: 0, total: targets.length, errors: [] };
  onProgress({ ...p });
  await mapLimit(
    targets,
    8,
    async (t) => {
      try {
        await fn(t);
      } catch (e) {
        p.failed++;
        if (p.errors.length < 10) p.errors.push((e as Error).message);
      } finally {
        p.done++;
        onProgress({ ...p, errors: [...p.errors] });
      }
    },
    signal,
  );
  return p;
}
