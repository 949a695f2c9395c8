import { pickZoneRollup } from '../rollups/rollup-choice';
import type { AggSource, AggSpec, ResolvedFilter } from './aggregate';
import type { AggGroup, AggGroups } from './aggregate-query';
import { byCount, seriesOf } from './analytics-views';
import type { BucketMap } from './time-zone';

/**
 * A series split by its top models in a non-UTC zone, from three small reads instead of one grouped by
 * hour × model over rollup_hour (~510k rows a year at 10M events; seconds): the totals per bucket from
 * rollup_hour_total, the model ranking over the range from rollup_day (+ edge hours and minutes), and the hours of
 * the top models only from rollup_hour_model (model first in its key: top 10 of 40 models ≈ 88k rows a year).
 * Shaped exactly as seriesOf shapes the one-read answer (same ranking, ties by id).
 */
export interface ZoneSplitPlan {
  totals: AggSpec;
  ranking: AggSpec;
  split: (modelIds: number[]) => AggSpec;
}

/**
 * The plan when the zone tiers answer both the totals and the split (see pickZoneRollup), else null. UTC keeps
 * its paths (daily: rollup_day; hourly: the column cache or rollup_hour), which are fast there.
 */
export function zoneSplitPlan(
  f: ResolvedFilter,
  buckets: BucketMap,
  timeZone = 'UTC',
  pgTiers = false,
): ZoneSplitPlan | null {
  if (timeZone === 'UTC' || timeZone === 'Etc/UTC') return null;
  const totals: AggSpec = { filter: f, dim: 'time', buckets };
  // Postgres (pgTiers): hour × key / account × model answer a split under a key / account filter
  // (rollups/pg-dims-tables.ts).
  if (!pickZoneRollup(totals) || !pickZoneRollup({ ...totals, dim2: 'model', pgTiers })) return null;
  return {
    totals,
    ranking: { filter: f, dim: 'model' },
    split: (modelIds) => ({ filter: { ...f, modelIds }, dim: 'time', dim2: 'model', buckets }),
  };
}

/** The model ids a split shows, most requests first (ties by id), as seriesOf ranks them. */
export const topModelIds = (ranking: AggGroups, top: number): number[] =>
  byCount(ranking.groups)
    .slice(0, top)
    .map((x) => x.g);

/** The split series from the plan's three answers. */
export function seriesOfZoneSplit(
  buckets: BucketMap,
  totals: AggGroups,
  ids: readonly number[],
  split: AggGroups,
): ReturnType<typeof seriesOf> {
  const perModel = new Map<number, AggGroup[]>();
  for (const x of split.groups) {
    const list = perModel.get(x.g2);
    if (list) list.push(x);
    else perModel.set(x.g2, [x]);
  }
  const sources = new Set<AggSource>([totals.source, split.source]);
  const source: AggSource = sources.size === 1 ? totals.source : 'rollup+events';
  return {
    points: seriesOf(buckets, totals, 0).points,
    byModel: ids.map((id) => ({
      id,
      points: seriesOf(buckets, { groups: perModel.get(id) ?? [], source }, 0).points,
    })),
    source,
  };
}
