import { DEFAULT_UPSTREAM } from '../accounts/account-key';

// Several CPAs: the pool keys an account by CPA and auth_index in one string (the server's pool-key.ts): the
// default CPA's accounts by their bare auth_index, another CPA's as `<upstream>~<auth_index>` (upstream names
// are slugs, auth indexes hex, so `~` occurs in no other key). An inspection result's CPA is read off its key,
// so results of a run over every CPA split by CPA with no column of their own (and none to back-fill).

/** The CPA of a pool key as SQL over column `col` (SQLite). */
export const sqliteResultUpstream = (col: string): string =>
  `(CASE WHEN instr(${col}, '~') > 0 THEN substr(${col}, 1, instr(${col}, '~') - 1) ELSE '${DEFAULT_UPSTREAM}' END)`;

/** The same in Postgres. */
export const pgResultUpstream = (col: string): string =>
  `(CASE WHEN strpos(${col}, '~') > 0 THEN split_part(${col}, '~', 1) ELSE '${DEFAULT_UPSTREAM}' END)`;
