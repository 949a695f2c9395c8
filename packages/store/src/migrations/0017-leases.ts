import { ddlMigration } from './migration-steps';

// Leases (issue #21, two instances on one database): one row per role, its holder and expiry.
export const { up, down } = ddlMigration(
  [
    `CREATE TABLE leases (
       name TEXT PRIMARY KEY, holder TEXT NOT NULL, acquired_ms INTEGER NOT NULL,
       heartbeat_ms INTEGER NOT NULL, expires_ms INTEGER NOT NULL, epoch INTEGER NOT NULL)`,
  ],
  ['leases'],
);
