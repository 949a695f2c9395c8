import type { Migration } from 'kysely';
import * as m0001 from './0001-initial';

/** Every migration, listed in code: a bundle has no folder to scan. Names sort in apply order. */
export const migrations: Record<string, Migration> = {
  '0001-initial': m0001,
};
