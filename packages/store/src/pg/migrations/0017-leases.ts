import { ddlMigration } from '../../migrations/migration-steps';

// Leases (issue #21, two instances on one database): one row per role, its holder and expiry.
export const { up, down } = ddlMigration(
  [
    `CREATE TABLE leases (
       name text PRIMARY KEY, holder text NOT NULL, acquired_ms bigint NOT NULL,
       heartbeat_ms bigint NOT NULL, expires_ms bigint NOT NULL, epoch bigint NOT NULL)`,
  ],
  ['leases'],
);
