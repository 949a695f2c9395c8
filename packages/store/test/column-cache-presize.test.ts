// The warm-up allocates the cache's full capacity once the first chunk has set each column's width: every
// column is then a view into that one buffer, with no one-byte slices left dead by a later widening (and no
// intermediate u16 copies) — at 10M events / a 3M window that was ~40 MB of buffers beyond the ~175 MB needed.
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { COLUMNS, ColumnCache } from '../src/analytics/column-cache';
import { openStore } from '../src/index';
import { silentLogger } from '../src/types';
import { makeEvent } from './helpers/events';
import { tempStores } from './helpers/temp-stores';

const temp = tempStores();

describe('column cache warm-up allocation', () => {
  it('puts every column, at its final width, into one full-size buffer', async () => {
    const path = temp.path('cpamp-colpresize-');
    const store = await openStore({
      path,
      dataKey: 'cd'.repeat(32),
      columnCache: false,
      cacheSnapshot: false,
    });
    const T0 = Date.UTC(2026, 7, 20);
    await store.insertBatch(
      Array.from({ length: 500 }, (_, i) =>
        makeEvent({
          timestampMs: T0 + i * 1000,
          latencyMs: 70_000 + i,
          inputTokens: 300 + i,
          outputTokens: 5,
        }),
      ),
    );
    await store.close();

    for (const maxEvents of [0, 200]) {
      const db = new Database(path, { readonly: true });
      const cache = new ColumnCache(db, silentLogger);
      cache.maxEvents = maxEvents;
      await cache.warmUp();
      expect(cache.n).toBe(maxEvents || 500);
      expect(cache.latency).toBeInstanceOf(Uint32Array);
      expect(cache.input).toBeInstanceOf(Uint16Array);
      expect(cache.output).toBeInstanceOf(Uint8Array);
      expect(new Set(COLUMNS.map(([name]) => cache.col(name).buffer)).size).toBe(1);
      expect(cache.latency[cache.n - 1]).toBe(70_499);
      db.close();
    }
  });
});
