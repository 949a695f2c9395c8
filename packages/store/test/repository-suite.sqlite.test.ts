import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { openStore } from '../src/index';
import { defineRepositorySuite } from './shared/repository-suite';

// File databases (not :memory:) so the suite can reopen one with another data key.
const dir = mkdtempSync(join(tmpdir(), 'cpamp-suite-sqlite-'));
let n = 0;
afterAll(() => rmSync(dir, { recursive: true, force: true }));

defineRepositorySuite('sqlite', {
  async open({ location, dataKey, now, columnCacheMaxEvents }) {
    const path = location ?? join(dir, `store-${++n}.sqlite`);
    const store = await openStore({
      path,
      ...(dataKey ? { dataKey } : {}),
      ...(now ? { now } : {}),
      ...(columnCacheMaxEvents ? { columnCacheMaxEvents } : {}),
    });
    return { store, location: path };
  },
});
