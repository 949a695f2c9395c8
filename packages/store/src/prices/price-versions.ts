import type { ModelPrice } from './cost';

/** One model's price over an effective range [fromMs, toMs); null ends are open. */
export interface PriceVersion {
  id: number;
  /** The price entry's key (lower case). */
  model: string;
  fromMs: number | null;
  toMs: number | null;
  /** null: the price was removed from fromMs on. */
  price: ModelPrice | null;
  createdMs: number;
  reason: string;
}

/** A version replaced over its whole range keeps its row with an empty range (toMs ≤ fromMs). */
export const SUPERSEDED_TO = Number.MIN_SAFE_INTEGER;

export const isSuperseded = (v: PriceVersion): boolean =>
  v.toMs !== null && (v.toMs === SUPERSEDED_TO || (v.fromMs !== null && v.toMs <= v.fromMs));

const covers = (v: PriceVersion, ts: number): boolean =>
  !isSuperseded(v) && (v.fromMs === null || v.fromMs <= ts) && (v.toMs === null || ts < v.toMs);

/** The version in effect at `ts` (the newest one when ranges overlap), if any. */
export function versionAt(versions: readonly PriceVersion[], ts: number): PriceVersion | undefined {
  for (let i = versions.length - 1; i >= 0; i--) if (covers(versions[i]!, ts)) return versions[i];
  return undefined;
}

/**
 * The end each existing version gets when a new one takes effect from `fromMs` (null = since the
 * beginning): versions running past it are cut there, versions starting at or after it are superseded.
 * Returns only the versions whose end changes.
 */
export function closeBefore(
  versions: readonly PriceVersion[],
  fromMs: number | null,
): { id: number; toMs: number }[] {
  const out: { id: number; toMs: number }[] = [];
  for (const v of versions) {
    if (isSuperseded(v)) continue;
    if (fromMs === null || (v.fromMs !== null && v.fromMs >= fromMs)) {
      out.push({ id: v.id, toMs: SUPERSEDED_TO });
    } else if (v.toMs === null || v.toMs > fromMs) {
      out.push({ id: v.id, toMs: fromMs });
    }
  }
  return out;
}

const RATE_FIELDS = [
  'input',
  'output',
  'cacheRead',
  'cacheCreation',
  'reasoning',
  'inputAbove200k',
  'outputAbove200k',
  'cacheReadAbove200k',
  'cacheCreationAbove200k',
  'priorityMultiplier',
  'flexMultiplier',
  'batchMultiplier',
  'perRequestFee',
] as const;

/** Whether two prices bill any event differently (names, sources and times aside). */
export function ratesDiffer(a: ModelPrice | undefined, b: ModelPrice | undefined): boolean {
  if (!a || !b) return a !== b;
  for (const f of RATE_FIELDS) if (a[f] !== b[f]) return true;
  return (
    JSON.stringify(a.tierPrices ?? null) !== JSON.stringify(b.tierPrices ?? null) ||
    JSON.stringify(a.contextTiers ?? null) !== JSON.stringify(b.contextTiers ?? null)
  );
}

/** A price that prices events (input and output set). */
export const isPriced = (p: ModelPrice | undefined): p is ModelPrice =>
  !!p && p.input !== null && p.output !== null;

/**
 * When a change takes effect by default: a model that had no usable price is priced over its whole
 * history; a changed price applies from `now` (past events keep what they were billed).
 */
export const defaultEffectiveFrom = (previous: ModelPrice | undefined, now: number): number | null =>
  isPriced(previous) ? now : null;

export interface PriceVersionRow {
  id: number;
  model: string;
  from_ms: number | null;
  to_ms: number | null;
  price: string | null;
  created_ms: number;
  reason: string;
}

export const versionFromRow = (r: PriceVersionRow): PriceVersion => ({
  id: Number(r.id),
  model: r.model,
  fromMs: r.from_ms === null ? null : Number(r.from_ms),
  toMs: r.to_ms === null ? null : Number(r.to_ms),
  price: r.price ? (JSON.parse(r.price) as ModelPrice) : null,
  createdMs: Number(r.created_ms),
  reason: r.reason,
});
