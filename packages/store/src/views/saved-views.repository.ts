import type Database from 'better-sqlite3';
import { settle } from '../async-facade';
import { checkView, viewFromRow, type SavedViewRow, type SavedViewsRepository } from './saved-views';

/** SQLite: synchronous inside, async at the boundary like every repository. */
export function createSavedViewsRepository(deps: {
  writer: Database.Database;
  now: () => number;
  assertOpen: () => void;
}): SavedViewsRepository {
  const { writer, now } = deps;
  const all = writer.prepare<[], SavedViewRow>('SELECT * FROM saved_views ORDER BY name, id');
  const upsert = writer.prepare<[string, string, number, number], SavedViewRow>(
    `INSERT INTO saved_views (name, state, created_ms, updated_ms) VALUES (?, ?, ?, ?)
     ON CONFLICT (name) DO UPDATE SET state = excluded.state, updated_ms = excluded.updated_ms
     RETURNING *`,
  );
  const del = writer.prepare<[number]>('DELETE FROM saved_views WHERE id = ?');
  return {
    list: () =>
      settle(() => {
        deps.assertOpen();
        return all.all().map(viewFromRow);
      }),
    save: (name, state) =>
      settle(() => {
        deps.assertOpen();
        const v = checkView(name, state);
        const t = now();
        return viewFromRow(upsert.get(v.name, v.text, t, t)!);
      }),
    delete: (id) =>
      settle(() => {
        deps.assertOpen();
        return del.run(id).changes > 0;
      }),
  };
}
