// Per-provider OAuth model exclusions and model aliases (maps keyed by provider/channel).
import type { HttpTransport } from '../http';
import { StatusOkSchema } from '../schemas/common.schema';
import {
  OAuthExcludedModelsSchema,
  OAuthModelAliasSchema,
  OAuthRequestScopedErrorsSchema,
  type CpaOAuthExcludedModels,
  type CpaOAuthModelAlias,
  type CpaOAuthModelAliasEntry,
  type CpaOAuthRequestScopedErrors,
  type CpaRequestScopedErrorRule,
} from '../schemas/providers.schema';
import type { CpaCallOptions } from './call-options';

export interface CpaOAuthExcludedModelsApi {
  get(options?: CpaCallOptions): Promise<CpaOAuthExcludedModels>;
  replace(map: CpaOAuthExcludedModels, options?: CpaCallOptions): Promise<void>;
  /** Sets one provider's list; an empty list removes the provider (404 if it had none). */
  patch(provider: string, models: readonly string[], options?: CpaCallOptions): Promise<void>;
  delete(provider: string, options?: CpaCallOptions): Promise<void>;
}

export interface CpaOAuthModelAliasApi {
  get(options?: CpaCallOptions): Promise<CpaOAuthModelAlias>;
  replace(map: CpaOAuthModelAlias, options?: CpaCallOptions): Promise<void>;
  patch(
    channel: string,
    aliases: readonly CpaOAuthModelAliasEntry[],
    options?: CpaCallOptions,
  ): Promise<void>;
  delete(channel: string, options?: CpaCallOptions): Promise<void>;
}

export interface CpaOAuthRequestScopedErrorsApi {
  get(options?: CpaCallOptions): Promise<CpaOAuthRequestScopedErrors>;
  replace(map: CpaOAuthRequestScopedErrors, options?: CpaCallOptions): Promise<void>;
  patch(
    channel: string,
    rules: readonly CpaRequestScopedErrorRule[],
    options?: CpaCallOptions,
  ): Promise<void>;
  delete(channel: string, options?: CpaCallOptions): Promise<void>;
}

function dropNulls<T>(map: Record<string, T[] | null> | null): Record<string, T[]> {
  const out: Record<string, T[]> = {};
  for (const [k, v] of Object.entries(map ?? {})) out[k] = v ?? [];
  return out;
}

export function createOAuthExcludedModelsApi(http: HttpTransport): CpaOAuthExcludedModelsApi {
  const path = '/oauth-excluded-models';
  return {
    async get(o) {
      const res = await http.json({ method: 'GET', path, signal: o?.signal }, OAuthExcludedModelsSchema);
      return dropNulls(res['oauth-excluded-models']);
    },
    async replace(map, o) {
      await http.json({ method: 'PUT', path, json: map, signal: o?.signal }, StatusOkSchema);
    },
    async patch(provider, models, o) {
      await http.json(
        { method: 'PATCH', path, json: { provider, models: [...models] }, signal: o?.signal },
        StatusOkSchema,
      );
    },
    async delete(provider, o) {
      await http.json({ method: 'DELETE', path, query: { provider }, signal: o?.signal }, StatusOkSchema);
    },
  };
}

export function createOAuthModelAliasApi(http: HttpTransport): CpaOAuthModelAliasApi {
  const path = '/oauth-model-alias';
  return {
    async get(o) {
      const res = await http.json({ method: 'GET', path, signal: o?.signal }, OAuthModelAliasSchema);
      return dropNulls(res['oauth-model-alias']);
    },
    async replace(map, o) {
      await http.json({ method: 'PUT', path, json: map, signal: o?.signal }, StatusOkSchema);
    },
    async patch(channel, aliases, o) {
      await http.json(
        { method: 'PATCH', path, json: { channel, aliases: [...aliases] }, signal: o?.signal },
        StatusOkSchema,
      );
    },
    async delete(channel, o) {
      await http.json({ method: 'DELETE', path, query: { channel }, signal: o?.signal }, StatusOkSchema);
    },
  };
}

export function createOAuthRequestScopedErrorsApi(http: HttpTransport): CpaOAuthRequestScopedErrorsApi {
  const path = '/oauth-request-scoped-errors';
  return {
    async get(o) {
      const res = await http.json({ method: 'GET', path, signal: o?.signal }, OAuthRequestScopedErrorsSchema);
      return dropNulls(res['oauth-request-scoped-errors']);
    },
    async replace(map, o) {
      await http.json({ method: 'PUT', path, json: map, signal: o?.signal }, StatusOkSchema);
    },
    async patch(channel, rules, o) {
      await http.json(
        { method: 'PATCH', path, json: { channel, rules: [...rules] }, signal: o?.signal },
        StatusOkSchema,
      );
    },
    async delete(channel, o) {
      await http.json({ method: 'DELETE', path, query: { channel }, signal: o?.signal }, StatusOkSchema);
    },
  };
}
