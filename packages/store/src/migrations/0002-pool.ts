import type { Kysely } from 'kysely';

// Account-pool operations (#8): quota windows, inspection runs/results, owned actions, auth-issue queue.
// Filled in by the pool work; kept as its own migration so the core schema stays untouched.
export async function up(_db: Kysely<unknown>): Promise<void> {}
