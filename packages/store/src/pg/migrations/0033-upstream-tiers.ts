import { upstreamTiersMigration } from '../../migrations/0033-upstream-tiers';

// The tiers that carry the CPA, the same tables as SQLite's (see migrations/0033-upstream-tiers.ts).
export const { up, down } = upstreamTiersMigration({
  int: 'integer',
  big: 'bigint',
  tail: '',
  dropUpstreamIndex: false,
});
