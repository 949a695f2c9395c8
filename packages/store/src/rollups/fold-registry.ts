import { HOUR_DIMS_GROUP, HOUR_MS, type FoldGroup, type FoldTier } from './fold-tier';
import { ZONE_FOLD_TIERS } from './zone-rollups';
import { DAY_DIMS_FOLD_GROUP, DAY_DIMS_FOLD_TIERS } from './day-dims-fold';
import { UPSTREAM_DIMS_FOLD_GROUP, UPSTREAM_FOLD_TIERS } from './upstream-tiers';
import { PG_DIMS_FOLD_GROUP, PG_DIMS_FOLD_TIERS } from './pg-dims-fold';

/**
 * Every fold group (a row of rollup_fold, created by the migration that introduces the group) and every deferred
 * tier, in both dialects. A new tier: append it to FOLD_TIERS (a new block, one line), create its table and fill
 * it for existing data up to its group's watermark in its migration (see docs/guides/deferred-rollup-tiers.md).
 */
export const FOLD_GROUPS: readonly FoldGroup[] = [
  { name: HOUR_DIMS_GROUP, unit: HOUR_MS },
  // Migration 0026's day × key / account × model tiers, day histograms and their span blocks.
  DAY_DIMS_FOLD_GROUP,
  // Migration 0033's tiers with the CPA (upstream-tiers.ts).
  UPSTREAM_DIMS_FOLD_GROUP,
];

export const FOLD_TIERS: readonly FoldTier[] = [
  // Migration 0022's hour × key / account / model tiers, deferred by 0025.
  ...ZONE_FOLD_TIERS,
  // Migration 0026's day-dims tiers (day-dims-fold.ts).
  ...DAY_DIMS_FOLD_TIERS,
  // Migration 0033's tiers with the CPA (upstream-tiers.ts).
  ...UPSTREAM_FOLD_TIERS,
];

/**
 * Postgres only (SQLite's budget has no room for them; its migration is a no-op and it has no row for their
 * groups): the groups and tiers the Postgres fold, late path, re-pricing and retention run besides the shared ones.
 */
export const PG_FOLD_GROUPS: readonly FoldGroup[] = [
  ...FOLD_GROUPS,
  // Migration 0031's key × account, key / account × model latency and hour × key × model tiers (pg-dims-fold.ts).
  PG_DIMS_FOLD_GROUP,
];

export const PG_FOLD_TIERS: readonly FoldTier[] = [
  ...FOLD_TIERS,
  // Migration 0031's tiers (pg-dims-fold.ts).
  ...PG_DIMS_FOLD_TIERS,
];

/** The tiers of one group (either dialect's). */
export const foldTiersOf = (group: string): FoldTier[] => PG_FOLD_TIERS.filter((t) => t.group === group);
