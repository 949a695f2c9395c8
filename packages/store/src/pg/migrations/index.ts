import type { Migration } from 'kysely';
import * as m0001 from './0001-initial';

/** Postgres migrations, listed in code (a bundle has no folder to scan). Names sort in apply order. */
export const pgMigrations: Record<string, Migration> = {
  '0001-initial': m0001,
};
