import type { Kysely } from 'kysely';

// Alerts (#8): rules, incidents (de-duplication state) and the delivery log.
export async function up(_db: Kysely<unknown>): Promise<void> {}
