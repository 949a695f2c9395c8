// API key aliases keyed by sha256(api key) (Plus's shape): the plaintext key never reaches this server; the
// panel hashes the keys from CPA's config to label them. PUT is an upsert: nothing is deleted implicitly.
import type { ServerStore } from '../server-store';
import type { ZodTypeProvider } from '@fastify/type-provider-zod';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { ServerError } from '../errors';
import { markPartial } from '../plus-compat/partial';

const keyHash = z
  .string()
  .regex(/^[0-9a-fA-F]{64}$/, { message: 'use the 64-hex sha256 of the API key, never the key itself' })
  .transform((h) => h.toLowerCase());
const alias = z
  .string()
  .trim()
  .min(1, { message: 'alias must not be empty (DELETE the hash to clear it)' })
  .refine((a) => [...a].length <= 120, { message: 'alias is longer than 120 characters' });
const PutBody = z.object({
  items: z.array(z.object({ apiKeyHash: keyHash, alias })).min(1).max(10_000),
  /** Accepted for Plus compatibility; aliases of inactive hashes are never deleted implicitly here. */
  activeApiKeyHashes: z.array(keyHash).max(100_000).optional(),
  allowOrphanAliasCleanup: z.boolean().optional(),
});
const HashParams = z.object({ hash: keyHash });


// Plus's items carry `updatedAtMs`; cpamp does not record when an alias changed (null, named in X-Cpamp-Partial).
async function items(store: AliasStore): Promise<{ apiKeyHash: string; alias: string; label: string; updatedAtMs: null }[]> {
  return (await store.apiKeys.list())
    .filter((k) => k.alias !== null && k.alias !== '')
    .map((k) => ({ apiKeyHash: k.hash, alias: k.alias as string, label: k.label, updatedAtMs: null }))
    .sort((a, b) => a.alias.localeCompare(b.alias));
}

type AliasStore = Pick<ServerStore, 'apiKeys'>;

export default async function aliasRoutes(appBase: FastifyInstance, opts: { store: AliasStore }): Promise<void> {
  const { store } = opts;
  const app = appBase.withTypeProvider<ZodTypeProvider>();

  app.get('/v0/management/api-key-aliases', { exposeHeadRoute: false }, async (_request, reply) => {
    markPartial(reply, ['updatedAtMs']);
    return { items: await items(store) };
  });

  app.put('/v0/management/api-key-aliases', { schema: { body: PutBody } }, async (request, reply) => {
    // Aliases are unique case-insensitively, within the request and against other hashes' aliases.
    const owner = new Map<string, string>();
    for (const k of await store.apiKeys.list()) if (k.alias) owner.set(k.alias.toLowerCase(), k.hash);
    const incoming = new Map<string, string>();
    for (const it of request.body.items) owner.delete([...owner].find(([, h]) => h === it.apiKeyHash)?.[0] ?? '');
    for (const it of request.body.items) {
      const lower = it.alias.toLowerCase();
      const other = incoming.get(lower) ?? owner.get(lower);
      if (other !== undefined && other !== it.apiKeyHash) {
        throw new ServerError('api_key_alias_duplicate', `The alias "${it.alias}" is already used by another API key (${other.slice(0, 12)}…); pick a different alias or rename that key first.`);
      }
      incoming.set(lower, it.apiKeyHash);
    }
    for (const it of request.body.items) await store.apiKeys.setAlias(it.apiKeyHash, it.alias);
    markPartial(reply, ['updatedAtMs']);
    return { items: await items(store) };
  });

  app.delete('/v0/management/api-key-aliases/:hash', { schema: { params: HashParams } }, async (request) => {
    await store.apiKeys.setAlias(request.params.hash, null);
    return { ok: true };
  });
}
