// The copy's end check: rows per table, and the token / cost sums of events and rollups, on both sides.
import type Database from 'better-sqlite3';
import { sql } from 'kysely';
import { PG_DIMS_GROUP } from '../rollups/pg-dims-tables';
import { COPY_MARKER_KEY } from './copy-checkpoint';
import { quoteSqlite, type CopyTable } from './copy-plan';
import { rows, type PgExec } from './pg-connection';

export interface CopyCheck {
  table: string;
  /** `rows`, or `sum(<column>)`. */
  check: string;
  source: number;
  target: number;
  ok: boolean;
}

/** The metric columns summed on events and the rollups (those a table has on both sides). */
const SUMMED = [
  'n',
  'failures',
  'input',
  'cache_read',
  'cache_creation',
  'output',
  'reasoning',
  'unclassified',
  'cost',
  'unpriced',
  'latency_sum',
];

const summedColumns = (t: CopyTable): string[] =>
  t.name === 'events' || t.name.startsWith('rollup_')
    ? SUMMED.filter((c) => t.columns.some((col) => col.name === c))
    : [];

export async function verifyCopy(
  source: Database.Database,
  target: PgExec,
  tables: readonly CopyTable[],
): Promise<CopyCheck[]> {
  const out: CopyCheck[] = [];
  for (const t of tables) {
    const sums = summedColumns(t);
    const exprs = ['count(*)', ...sums.map((c) => `coalesce(sum(${quoteSqlite(c)}), 0)`)];
    const s = source
      .prepare(`SELECT ${exprs.join(', ')} FROM ${quoteSqlite(t.name)}`)
      .raw()
      .get() as number[];
    // The target's own bookkeeping row is not part of the copy, nor the watermark of its own tiers (0031).
    const where =
      t.name === 'settings'
        ? sql` WHERE key <> ${COPY_MARKER_KEY}`
        : t.name === 'rollup_fold'
          ? sql` WHERE name <> ${PG_DIMS_GROUP}`
          : sql``;
    const p = (
      await rows(
        target,
        sql<Record<string, number>>`SELECT ${sql.join([
          sql`count(*) AS c0`,
          ...sums.map((c, i) => sql`coalesce(sum(${sql.ref(c)}), 0) AS ${sql.ref(`c${i + 1}`)}`),
        ])} FROM ${sql.table(t.name)}${where}`,
      )
    )[0]!;
    ['rows', ...sums.map((c) => `sum(${c})`)].forEach((check, i) => {
      const a = Number(s[i]);
      const b = Number(p[`c${i}`]);
      out.push({ table: t.name, check, source: a, target: b, ok: a === b });
    });
  }
  return out;
}
