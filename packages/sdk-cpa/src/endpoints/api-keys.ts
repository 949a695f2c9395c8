// Client API keys (the keys callers use against CPA) and per-credential usage counters.
import type { HttpTransport } from '../http';
import { ApiKeysResponseSchema, ApiKeyUsageSchema, type CpaApiKeyUsage } from '../schemas/api-keys.schema';
import { StatusOkSchema } from '../schemas/common.schema';
import type { CpaCallOptions } from './call-options';

export type CpaApiKeyPatch = { index: number; value: string } | { old: string; new: string };
export type CpaApiKeyDelete = { index: number } | { value: string };

export interface CpaApiKeysApi {
  list(options?: CpaCallOptions): Promise<string[]>;
  replace(keys: readonly string[], options?: CpaCallOptions): Promise<void>;
  /** By index, or old → new (CPA appends `new` when `old` is absent). */
  patch(patch: CpaApiKeyPatch, options?: CpaCallOptions): Promise<void>;
  delete(target: CpaApiKeyDelete, options?: CpaCallOptions): Promise<void>;
  /** GET /api-key-usage: success/failed counters per provider credential since CPA started. */
  usage(options?: CpaCallOptions): Promise<CpaApiKeyUsage>;
}

export function createApiKeysApi(http: HttpTransport): CpaApiKeysApi {
  return {
    async list(o) {
      const res = await http.json(
        { method: 'GET', path: '/api-keys', signal: o?.signal },
        ApiKeysResponseSchema,
      );
      return res['api-keys'] ?? [];
    },
    async replace(keys, o) {
      await http.json(
        { method: 'PUT', path: '/api-keys', json: [...keys], signal: o?.signal },
        StatusOkSchema,
      );
    },
    async patch(patch, o) {
      await http.json({ method: 'PATCH', path: '/api-keys', json: patch, signal: o?.signal }, StatusOkSchema);
    },
    async delete(target, o) {
      const query = 'index' in target ? { index: target.index } : { value: target.value };
      await http.json({ method: 'DELETE', path: '/api-keys', query, signal: o?.signal }, StatusOkSchema);
    },
    usage: (o) => http.json({ method: 'GET', path: '/api-key-usage', signal: o?.signal }, ApiKeyUsageSchema),
  };
}
