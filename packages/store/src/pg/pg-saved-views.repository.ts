import { sql } from 'kysely';
import { checkView, viewFromRow, type SavedViewRow, type SavedViewsRepository } from '../views/saved-views';
import { rows, type PgDb } from './pg-connection';

/** Postgres: the same table and answers as the SQLite repository. */
export function createPgSavedViewsRepository(deps: {
  db: PgDb;
  now: () => number;
  assertOpen: () => void;
}): SavedViewsRepository {
  const { db, now } = deps;
  return {
    async list() {
      deps.assertOpen();
      return (await rows(db, sql<SavedViewRow>`SELECT * FROM saved_views ORDER BY name, id`)).map(
        viewFromRow,
      );
    },
    async save(name, state) {
      deps.assertOpen();
      const v = checkView(name, state);
      const t = now();
      const [r] = await rows(
        db,
        sql<SavedViewRow>`INSERT INTO saved_views (name, state, created_ms, updated_ms) VALUES (${v.name}, ${v.text}, ${t}, ${t})
          ON CONFLICT (name) DO UPDATE SET state = excluded.state, updated_ms = excluded.updated_ms RETURNING *`,
      );
      return viewFromRow(r!);
    },
    async delete(id) {
      deps.assertOpen();
      const r = await rows(db, sql<{ id: number }>`DELETE FROM saved_views WHERE id = ${id} RETURNING id`);
      return r.length > 0;
    },
  };
}
