import { dayDimsMigration } from '../../migrations/0026-day-dims';

// The cross-dimension daily tiers and day histograms, the same tables as SQLite's (see
// migrations/0026-day-dims.ts and rollups/rollup-cross.ts), backfilled in week chunks.
export const { up, down } = dayDimsMigration({ big: 'bigint', int: 'integer', tail: '' });
