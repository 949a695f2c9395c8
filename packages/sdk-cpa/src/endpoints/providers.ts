// Provider credential lists in CPA's config: one API shape per list, keyed by the route name.
import type { z } from 'zod';
import type { HttpTransport } from '../http';
import { StatusOkSchema } from '../schemas/common.schema';
import {
  OpenAiCompatEntrySchema,
  ProviderKeySchema,
  providerListSchema,
  type CpaOpenAiCompatEntry,
  type CpaProviderKey,
} from '../schemas/providers.schema';
import type { CpaCallOptions } from './call-options';

export type CpaProviderKind = 'gemini' | 'interactions' | 'codex' | 'claude' | 'xai' | 'vertex';

export const CPA_PROVIDER_ROUTES: Record<CpaProviderKind, string> = {
  gemini: 'gemini-api-key',
  interactions: 'interactions-api-key',
  codex: 'codex-api-key',
  claude: 'claude-api-key',
  xai: 'xai-api-key',
  vertex: 'vertex-api-key',
};

/** Entry fields as written to CPA (`auth-index` is computed by CPA and ignored on write). */
export type CpaProviderKeyInput = Partial<CpaProviderKey>;
export type CpaOpenAiCompatInput = Partial<CpaOpenAiCompatEntry>;

export interface CpaProviderKeyListApi {
  list(options?: CpaCallOptions): Promise<CpaProviderKey[]>;
  replace(entries: readonly CpaProviderKeyInput[], options?: CpaCallOptions): Promise<void>;
  /**
   * Update one entry; only the given fields change (CPA ignores fields it cannot patch, e.g. `auth-index`).
   * Selection: a valid `index` wins, else `match` = the entry's api-key. gemini/interactions answer 400 when
   * several entries share the key: pass `baseUrl` (sent as `?base-url=`) or `index`. The other lists take the
   * first entry with that key. An unknown entry is a `not_found` CpaHttpError.
   */
  patch(
    patch: { index?: number; match?: string; baseUrl?: string; value: CpaProviderKeyInput },
    options?: CpaCallOptions,
  ): Promise<void>;
  /** Delete by index, or by api-key (add baseUrl when several entries share the key). */
  delete(
    target: { index: number } | { apiKey: string; baseUrl?: string },
    options?: CpaCallOptions,
  ): Promise<void>;
}

export interface CpaOpenAiCompatApi {
  list(options?: CpaCallOptions): Promise<CpaOpenAiCompatEntry[]>;
  replace(entries: readonly CpaOpenAiCompatInput[], options?: CpaCallOptions): Promise<void>;
  /**
   * Update one entry selected by a valid `index`, else by its exact `name` (CPA reads a top-level `name`;
   * there is no `match` for this list). `value.name` renames; `value['base-url']: ''` removes the entry.
   */
  patch(
    patch: { index?: number; name?: string; value: CpaOpenAiCompatInput },
    options?: CpaCallOptions,
  ): Promise<void>;
  delete(target: { index: number } | { name: string }, options?: CpaCallOptions): Promise<void>;
}

export type CpaProvidersApi = Record<CpaProviderKind, CpaProviderKeyListApi> & {
  openaiCompatibility: CpaOpenAiCompatApi;
};

function listApi<S extends z.ZodType>(http: HttpTransport, route: string, entry: S) {
  const schema = providerListSchema(route, entry);
  const path = `/${route}`;
  return {
    async list(o?: CpaCallOptions): Promise<z.output<S>[]> {
      const res = await http.json({ method: 'GET', path, signal: o?.signal }, schema);
      return (res[route] as z.output<S>[] | null) ?? [];
    },
    async replace(entries: readonly unknown[], o?: CpaCallOptions): Promise<void> {
      await http.json({ method: 'PUT', path, json: [...entries], signal: o?.signal }, StatusOkSchema);
    },
    async patch(
      body: object,
      o?: CpaCallOptions,
      query?: Record<string, string | number | undefined>,
    ): Promise<void> {
      await http.json({ method: 'PATCH', path, query, json: body, signal: o?.signal }, StatusOkSchema);
    },
    async deleteBy(query: Record<string, string | number | undefined>, o?: CpaCallOptions): Promise<void> {
      await http.json({ method: 'DELETE', path, query, signal: o?.signal }, StatusOkSchema);
    },
  };
}

function providerKeyApi(http: HttpTransport, route: string): CpaProviderKeyListApi {
  const api = listApi(http, route, ProviderKeySchema);
  return {
    list: api.list,
    replace: api.replace,
    patch: ({ baseUrl, ...body }, o) =>
      api.patch(body, o, baseUrl === undefined ? undefined : { 'base-url': baseUrl }),
    delete: (target, o) =>
      api.deleteBy(
        'index' in target
          ? { index: target.index }
          : { 'api-key': target.apiKey, 'base-url': target.baseUrl },
        o,
      ),
  };
}

export function createProvidersApi(http: HttpTransport): CpaProvidersApi {
  const compat = listApi(http, 'openai-compatibility', OpenAiCompatEntrySchema);
  return {
    gemini: providerKeyApi(http, CPA_PROVIDER_ROUTES.gemini),
    interactions: providerKeyApi(http, CPA_PROVIDER_ROUTES.interactions),
    codex: providerKeyApi(http, CPA_PROVIDER_ROUTES.codex),
    claude: providerKeyApi(http, CPA_PROVIDER_ROUTES.claude),
    xai: providerKeyApi(http, CPA_PROVIDER_ROUTES.xai),
    vertex: providerKeyApi(http, CPA_PROVIDER_ROUTES.vertex),
    openaiCompatibility: {
      list: compat.list,
      replace: compat.replace,
      patch: (body, o) => compat.patch(body, o),
      delete: (target, o) =>
        compat.deleteBy('index' in target ? { index: target.index } : { name: target.name }, o),
    },
  };
}
