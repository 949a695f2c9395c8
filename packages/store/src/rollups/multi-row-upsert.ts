import type Database from 'better-sqlite3';

/** Rows per statement, largest first; a batch's rows go out as 64-row chunks, then 8-row, then single rows. */
const CHUNK_SIZES = [64, 8, 1] as const;

/**
 * One `INSERT … VALUES (…),(…),… ON CONFLICT DO UPDATE` for many rows, prepared once per chunk size.
 * A batch of 500 events upserts ~1,700 rollup rows (P3's generator: 13 tables): one statement per row paid
 * better-sqlite3's per-call cost (JS→C call, bind, step, reset) ~1,700 times per batch; 64-row statements pay
 * it ~30 times. The stored values are the same: each row is still added once, by the same ON CONFLICT clause.
 * Rows must have distinct keys within one call (a batch's aggregated rows do), else a chunk would add a row
 * to itself.
 */
export class MultiRowUpsert {
  private readonly stmts = new Map<number, Database.Statement>();

  /**
   * @param head `INSERT INTO t (cols…)` (no VALUES)
   * @param width values per row (the number of cols)
   * @param tail `ON CONFLICT(…) DO UPDATE SET …`
   */
  constructor(
    private readonly db: Database.Database,
    private readonly head: string,
    private readonly width: number,
    private readonly tail: string,
  ) {}

  private stmt(rows: number): Database.Statement {
    let s = this.stmts.get(rows);
    if (!s) {
      const row = `(${new Array<string>(this.width).fill('?').join(',')})`;
      s = this.db.prepare(`${this.head} VALUES ${new Array<string>(rows).fill(row).join(',')} ${this.tail}`);
      this.stmts.set(rows, s);
    }
    return s;
  }

  /** Upserts `rows` (each `width` values, in column order) in the order given. */
  run(rows: readonly (readonly number[])[]): void {
    let i = 0;
    for (const size of CHUNK_SIZES) {
      if (rows.length - i < size) continue;
      const stmt = this.stmt(size);
      const flat = new Array<number>(size * this.width);
      while (rows.length - i >= size) {
        let f = 0;
        for (let j = i; j < i + size; j++) for (const v of rows[j]!) flat[f++] = v;
        stmt.run(flat);
        i += size;
      }
    }
  }
}

/**
 * Sorts rows (`[...keyColumns, ...values]`) by their first `keyLen` columns, the primary key's order:
 * consecutive upserts then land on the same B-tree pages.
 */
export function sortByKey(rows: number[][], keyLen: number): number[][] {
  return rows.sort((a, b) => {
    for (let c = 0; c < keyLen; c++) if (a[c] !== b[c]) return a[c]! - b[c]!;
    return 0;
  });
}
