import { open, rename, unlink } from 'node:fs/promises';
import { unlinkSync, openSync, writeSync, closeSync, renameSync } from 'node:fs';
import type Database from 'better-sqlite3';
import { COLUMNS, COMBO_WIDTH, allocColumns, ctorOfWidth, type ColumnCache } from './column-cache';

/**
 * Binary snapshot of the column cache beside the database (`<db>.colcache`), so a restart is warm in
 * tens of milliseconds instead of re-reading every event. Layout (little endian):
 * 64-byte header, then each column's element width in bytes (u8 × COLUMNS.length: adaptive columns are
 * stored at their current width), then the combo table (u32 × COMBO_WIDTH per combo), then each column's
 * first n values in COLUMNS order, every section 8-byte aligned. A snapshot is used only when its format version, the
 * cache epoch (bumped in the same transaction as every delete or rewrite of events) and its last
 * row (id, ts) still match the database; events with a larger id are then read from SQL.
 */
const MAGIC = 0x43435043; // 'CPCC'
// 5: the upstream column (a version-4 file has one column fewer: it is rebuilt from SQL, never misread).
// 6: cost as u32 micros with an unpriced mark (was Float64 with NaN): older files are rebuilt from SQL.
const VERSION = 6;
const HEADER = 64;
export const CACHE_EPOCH_KEY = 'column_cache_epoch';

const align8 = (x: number) => (x + 7) & ~7;

/** The current cache epoch (0 when never bumped). */
export function readCacheEpoch(db: Database.Database): number {
  const v = db.prepare('SELECT value FROM settings WHERE key = ?').pluck().get(CACHE_EPOCH_KEY) as
    string | undefined;
  return v === undefined ? 0 : Number(JSON.parse(v)) || 0;
}

/** Call inside the transaction that deletes or rewrites events: older snapshots stop matching. */
export function bumpCacheEpoch(db: Database.Database, now: number): void {
  db.prepare(
    `INSERT INTO settings(key, value, updated_ms) VALUES (?, '1', ?)
     ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + 1, updated_ms = excluded.updated_ms`,
  ).run(CACHE_EPOCH_KEY, now);
}

function header(cache: ColumnCache, n: number, epoch: number): Buffer {
  const h = Buffer.alloc(HEADER);
  h.writeUInt32LE(MAGIC, 0);
  h.writeUInt32LE(VERSION, 4);
  h.writeUInt32LE(n, 8);
  h.writeUInt32LE(cache.combos, 12);
  h.writeDoubleLE(n ? cache.id[n - 1]! : 0, 16);
  h.writeDoubleLE(n ? cache.ts[n - 1]! : 0, 24);
  h.writeDoubleLE(epoch, 32);
  h.writeUInt32LE(COLUMNS.length, 40);
  return h;
}

const bytesOf = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/**
 * Writes the first `n` rows synchronously (close path): temp file + rename, so a crash never leaves a
 * torn snapshot under the real name. Returns the bytes written.
 */
export function writeSnapshotSync(cache: ColumnCache, path: string, epoch: number): number {
  const n = cache.n;
  const tmp = `${path}.tmp`;
  const fd = openSync(tmp, 'w', 0o600);
  let pos = 0;
  const put = (b: Uint8Array) => {
    let off = 0;
    while (off < b.length) off += writeSync(fd, b, off, b.length - off, pos + off);
    pos = align8(pos + b.length);
  };
  try {
    put(header(cache, n, epoch));
    put(Uint8Array.from(cache.widths()));
    put(bytesOf(Uint32Array.from(cache.comboIds)));
    for (const [name] of COLUMNS) {
      const c = cache.col(name);
      put(bytesOf(c.subarray(0, n)));
    }
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  return pos;
}

/**
 * Same, asynchronously (periodic snapshots while serving). Rows below n never change in place, so the
 * views stay valid while the arrays grow; a reload during the write (generation change) discards it.
 */
export async function writeSnapshot(cache: ColumnCache, path: string, epoch: number): Promise<number> {
  const gen = cache.gen;
  const n = cache.n;
  const cols = COLUMNS.map(([name]) => cache.col(name).subarray(0, n));
  const widths = Uint8Array.from(cols.map((c) => c.BYTES_PER_ELEMENT));
  const combos = Uint32Array.from(cache.comboIds);
  const head = header(cache, n, epoch);
  const tmp = `${path}.tmp`;
  const fh = await open(tmp, 'w', 0o600);
  let pos = 0;
  try {
    const put = async (b: Uint8Array) => {
      let off = 0;
      while (off < b.length) off += (await fh.write(b, off, b.length - off, pos + off)).bytesWritten;
      pos = align8(pos + b.length);
    };
    await put(head);
    await put(widths);
    await put(bytesOf(combos));
    for (const c of cols) {
      await put(bytesOf(c));
      if (cache.gen !== gen) break;
    }
  } finally {
    await fh.close();
  }
  if (cache.gen !== gen) {
    await unlink(tmp).catch(() => {});
    return 0;
  }
  await rename(tmp, path);
  return pos;
}

export function removeSnapshot(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // none
  }
}

/**
 * Fills the cache from the snapshot when it still matches the database; returns the rows restored
 * (0 when there is no usable snapshot). Reads straight into the cache's arrays: no extra copy.
 */
export async function readSnapshot(cache: ColumnCache, path: string, db: Database.Database): Promise<number> {
  let fh;
  try {
    fh = await open(path, 'r');
  } catch {
    return 0;
  }
  try {
    const h = Buffer.alloc(HEADER);
    if ((await fh.read(h, 0, HEADER, 0)).bytesRead !== HEADER) return 0;
    if (h.readUInt32LE(0) !== MAGIC || h.readUInt32LE(4) !== VERSION || h.readUInt32LE(40) !== COLUMNS.length)
      return 0;
    const n = h.readUInt32LE(8);
    const combos = h.readUInt32LE(12);
    const lastId = h.readDoubleLE(16);
    const lastTs = h.readDoubleLE(24);
    const epoch = h.readDoubleLE(32);
    if (n === 0 || epoch !== readCacheEpoch(db)) return 0;
    const last = db.prepare('SELECT ts FROM events WHERE id = ?').pluck().get(lastId) as number | undefined;
    if (last !== lastTs) return 0;
    // Rows only disappear or change by retention, deletes and re-pricing, which bump the epoch.
    const widthBuf = new Uint8Array(COLUMNS.length);
    await readFully(fh, widthBuf, HEADER);
    const widths = Array.from(widthBuf);
    if (widths.some((w, k) => ctorOfWidth(w) === undefined || (!COLUMNS[k]![2] && w !== (COLUMNS[k]![1] as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT)))
      return 0;
    // The cost column is u32 (with its unpriced mark) or Float64, nothing narrower.
    const costWidth = widths[COLUMNS.findIndex(([name]) => name === 'cost')]!;
    if (costWidth !== 4 && costWidth !== 8) return 0;
    let size = align8(HEADER) + align8(COLUMNS.length) + align8(combos * COMBO_WIDTH * 4);
    for (const w of widths) size += align8(n * w);
    if (align8((await fh.stat()).size) !== size) return 0;

    // Fresh arrays, installed only when complete: a reload meanwhile (generation change) drops them.
    const gen = cache.gen;
    let pos = HEADER + align8(COLUMNS.length);
    const comboBuf = new Uint32Array(combos * COMBO_WIDTH);
    await readFully(fh, bytesOf(comboBuf), pos);
    pos = align8(pos + comboBuf.byteLength);
    const cap = Math.ceil(n * 1.02) + 1024;
    const cols = allocColumns(cap, widths);
    for (const [, a] of cols) {
      const c = a.subarray(0, n);
      await readFully(fh, bytesOf(c), pos);
      pos = align8(pos + c.byteLength);
      if (cache.gen !== gen) return 0;
    }
    cache.install(cols, n, comboBuf);
    return n;
  } finally {
    await fh.close();
  }
}

async function readFully(
  fh: Awaited<ReturnType<typeof open>>,
  b: Uint8Array,
  position: number,
): Promise<void> {
  let off = 0;
  while (off < b.length) {
    const { bytesRead } = await fh.read(b, off, b.length - off, position + off);
    if (bytesRead === 0) throw new Error(`column cache snapshot truncated at byte ${position + off}`);
    off += bytesRead;
  }
}
