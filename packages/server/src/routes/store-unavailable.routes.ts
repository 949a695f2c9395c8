// Without a usage database the store-backed routes (plugins/store-routes.ts) do not exist. Their paths
// answer `store_unavailable` from here instead of falling through to the CPA proxy's wildcard: a caller
// learns why, and nothing meant for cpamp's database is sent to CPA.
import type { FastifyInstance } from 'fastify';
import { ServerError } from '../errors';

/** Path prefixes owned by the store-backed routes, with what a caller loses without a store. */
export const STORE_BACKED_PATHS: readonly (readonly [prefix: string, what: string])[] = [
  ['/v0/management/analytics', 'analytics are'],
  ['/v0/management/usage', 'usage is'],
  ['/v0/management/model-prices', 'prices are'],
  ['/v0/management/api-key-aliases', 'API key aliases are'],
  ['/v0/management/storage', 'the storage report is'],
  ['/v0/management/retention', 'retention is'],
  ['/v0/management/pool', 'the account pool is'],
  ['/usage-service/account-processing-policy', 'the account pool is'],
  ['/usage-service/quota-cooldowns', 'the account pool is'],
  ['/v0/management/alerts', 'alerts are'],
  ['/v0/management/budgets', 'budgets are'],
  ['/v0/management/share-links', 'share links are'],
];

export default async function storeUnavailableRoutes(app: FastifyInstance): Promise<void> {
  for (const [prefix, what] of STORE_BACKED_PATHS) {
    const handler = async (): Promise<never> => {
      throw new ServerError('store_unavailable', `This server runs without a usage database, so ${what} unavailable. Start it with a data directory.`);
    };
    app.all(prefix, { schema: { hide: true } }, handler);
    app.all(`${prefix}/*`, { schema: { hide: true } }, handler);
  }
}
