// The Postgres settings' value types (connection string, schema) and the one redaction of a connection
// string: its password never reaches a log line, /status, `cpamp doctor` or a config error.
import { z } from 'zod';
import { InvalidValue, type ValueType } from './value-types';

/** The connection string with its password replaced by `***` (user, host, port, database kept). */
export function redactDbUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    // A password may also ride in the query (`?password=`): libpq accepts it there.
    if (u.searchParams.has('password')) u.searchParams.set('password', '***');
    return u.toString();
  } catch {
    return '(unparsable connection string)';
  }
}

/** A `postgres://` / `postgresql://` URL; null (SQLite) when unset. */
export function dbUrl(): ValueType<z.ZodNullable<z.ZodString>> {
  return {
    schema: z.string().nullable(),
    values: '`postgres://user:password@host:5432/database` (or `postgresql://`; a unix socket as `host=%2Fvar%2Frun%2Fpostgresql`); empty: SQLite',
    read(value) {
      if (typeof value !== 'string') throw new InvalidValue(JSON.stringify(value), 'expected a string', 'quote the connection string in the config file');
      const s = value.trim();
      if (s === '') return null;
      let u: URL;
      try {
        u = new URL(s);
      } catch {
        throw new InvalidValue('(not a URL)', 'the Postgres connection string is not a URL', 'use postgres://user:password@host:5432/database (percent-encode special characters in the password)');
      }
      if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:') {
        throw new InvalidValue(redactDbUrl(s), `the scheme ${u.protocol} is not Postgres`, 'use postgres://user:password@host:5432/database; for SQLite unset it and use USAGE_DB_PATH');
      }
      return s;
    },
  };
}

/** A Postgres schema name (a plain identifier, as the store accepts). */
export function dbSchema(): ValueType<z.ZodString> {
  return {
    schema: z.string().min(1),
    values: 'identifier (letters, digits, `_`; up to 63)',
    read(value) {
      if (typeof value !== 'string') throw new InvalidValue(JSON.stringify(value), 'expected a string', 'quote the schema name in the config file');
      const s = value.trim();
      if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(s)) throw new InvalidValue(s, 'not a plain schema name', 'use letters, digits and _ (e.g. cpamp), starting with a letter');
      return s;
    },
  };
}
