// Refuses to open a CPA Manager (Plus) usage.sqlite as cpamp's own database (a Plus compose or config.json
// that sets USAGE_DB_PATH / dbPath to it): cpamp would add its tables to the Plus file. The schema text sits
// at the start of an SQLite file, so reading the first pages is enough to tell the two apart.
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { ConfigError } from './errors';

const HEAD_BYTES = 2 * 1024 * 1024;

export function assertNotPlusDatabase(dbPath: string): void {
  let size: number;
  try {
    size = statSync(dbPath).size;
  } catch {
    return; // not there yet: cpamp creates it
  }
  if (size < 100) return;
  const buf = Buffer.alloc(Math.min(size, HEAD_BYTES));
  const fd = openSync(dbPath, 'r');
  try {
    readSync(fd, buf, 0, buf.length, 0);
  } finally {
    closeSync(fd);
  }
  if (!buf.subarray(0, 16).equals(Buffer.from('SQLite format 3\0', 'latin1'))) return;
  if (buf.includes('usage_events') && !buf.includes('kysely_migration')) {
    throw new ConfigError(
      'USAGE_DB_PATH',
      dbPath,
      'this is a CPA Manager (Plus) usage database, not a cpamp one; cpamp will not write into it',
      'remove USAGE_DB_PATH (or dbPath in the config file) so cpamp uses <dataDir>/cpamp.sqlite, then import the old data with `cpamp migrate-from-plus ' + dbPath + '`',
    );
  }
}
