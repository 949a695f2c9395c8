import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { cacheWindow } from './cache-window';

function db(ids: number[]): Database.Database {
  const d = new Database(':memory:');
  d.exec('CREATE TABLE events (id INTEGER PRIMARY KEY, ts INTEGER NOT NULL)');
  const ins = d.prepare('INSERT INTO events (id, ts) VALUES (?, ?)');
  for (const id of ids) ins.run(id, id * 1000);
  return d;
}

describe('cacheWindow', () => {
  it('is null when every event fits, whether or not ids have gaps', () => {
    expect(cacheWindow(db([1, 2, 3]), 3)).toBeNull();
    expect(cacheWindow(db([]), 3)).toBeNull();
    // max(id) above the bound, but only 3 events (retention / dedup gaps): still no window.
    expect(cacheWindow(db([1, 50, 100]), 3)).toBeNull();
    expect(cacheWindow(db([1, 2, 3]), 0)).toBeNull();
  });

  it('leaves out the oldest ids beyond the bound, with gaps in the ids', () => {
    expect(cacheWindow(db([1, 2, 3, 4, 5]), 3)).toEqual({ afterId: 2, floorMs: 2001, leftOut: 2 });
    expect(cacheWindow(db([10, 20, 30, 40]), 3)).toEqual({ afterId: 10, floorMs: 10_001, leftOut: 1 });
  });
});
