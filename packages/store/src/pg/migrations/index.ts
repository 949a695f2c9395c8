import type { Migration } from 'kysely';
import * as m0001 from './0001-initial';
import * as m0002 from './0002-jobs';
import * as m0006 from './0006-remask-key-labels';
import * as m0010 from './0010-account-identity';

/** Postgres migrations, listed in code (a bundle has no folder to scan). Names sort in apply order. */
export const pgMigrations: Record<string, Migration> = {
  '0001-initial': m0001,
  '0002-jobs': m0002,
  '0006-remask-key-labels': m0006,
  '0010-account-identity': m0010,
};
