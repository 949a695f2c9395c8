import { z } from 'zod';
import type { CpaClient, SignalOptions as Sig } from './cpa-client';
import {
  ApiCallSchema,
  AuthFilesSchema,
  AuthStatusSchema,
  AuthUrlSchema,
  ConfigSchema,
  ErrorLogFilesSchema,
  LatestVersionSchema,
  LogsSchema,
  ModelsSchema,
  PluginsSchema,
  ProviderEntrySchema,
  StatusOkSchema,
  UploadResultSchema,
  type ApiCallResult,
  type ProviderEntry,
} from './cpa.schema';
import { PanelError } from './errors';

// Endpoint wrappers, one line each where possible. Paths and bodies follow docs/design.md, "Management
// routes" and "Auth files".

export const getConfig = (c: CpaClient, o: Sig = {}) => c.json('GET', '/config', ConfigSchema, { ...o, core: true });
export const getConfigYaml = (c: CpaClient, o: Sig = {}) => c.text('GET', '/config.yaml', o);
export const putConfigYaml = (c: CpaClient, yaml: string) =>
  c.json('PUT', '/config.yaml', z.looseObject({}), { body: yaml, contentType: 'application/yaml' });

/** Generic scalar setting: PUT `{"value": v}` (docs/design.md, "Management routes"). */
export const putScalar = (c: CpaClient, path: string, value: boolean | number | string) =>
  c.json('PUT', path, StatusOkSchema, { body: { value } });
export const deleteScalar = (c: CpaClient, path: string) => c.json('DELETE', path, StatusOkSchema);

export const getLatestVersion = (c: CpaClient, o: Sig = {}) =>
  c.json('GET', '/latest-version', LatestVersionSchema, { ...o, timeoutMs: 15_000 });

export const listAuthFiles = async (c: CpaClient, o: Sig = {}) => (await c.json('GET', '/auth-files', AuthFilesSchema, o)).files;
export const setAuthFileDisabled = (c: CpaClient, name: string, disabled: boolean) =>
  c.json('PATCH', '/auth-files/status', StatusOkSchema, { body: { name, disabled } });
export const deleteAuthFiles = (c: CpaClient, names: string[]) =>
  c.json('DELETE', '/auth-files', StatusOkSchema, { body: { names } });
export const downloadAuthFile = (c: CpaClient, name: string) => c.blob('/auth-files/download', { query: { name } });
export async function uploadAuthFiles(c: CpaClient, files: readonly File[]) {
  const form = new FormData();
  for (const f of files) form.append('file', f, f.name);
  const res = await c.raw('POST', '/auth-files', { body: form, timeoutMs: 120_000 });
  const parsed = UploadResultSchema.safeParse(await res.json().catch(() => ({})));
  return parsed.success ? parsed.data : {};
}

export const PROVIDER_SECTIONS = [
  'gemini-api-key',
  'interactions-api-key',
  'codex-api-key',
  'claude-api-key',
  'xai-api-key',
  'vertex-api-key',
  'openai-compatibility',
] as const;
export type ProviderSection = (typeof PROVIDER_SECTIONS)[number];

export async function listProviderEntries(c: CpaClient, section: ProviderSection, o: Sig = {}): Promise<ProviderEntry[]> {
  const schema = z.record(z.string(), z.unknown());
  const body = await c.json('GET', `/${section}`, schema, o);
  const list = body[section];
  if (list === null || list === undefined) return [];
  const parsed = z.array(ProviderEntrySchema).safeParse(list);
  if (!parsed.success) throw new PanelError({ code: 'invalid-response', url: c.url(`/${section}`), detail: `${section} is not a list` });
  return parsed.data;
}
/** Replaces the whole list (CPA accepts a raw array). Entries are sent without the read-only `auth-index`. */
export const putProviderEntries = (c: CpaClient, section: ProviderSection, entries: readonly ProviderEntry[]) =>
  c.json('PUT', `/${section}`, StatusOkSchema, {
    body: entries.map((e) => {
      const { 'auth-index': _drop, ...rest } = e;
      return rest;
    }),
  });

export const getLogs = (c: CpaClient, after: number | undefined, o: Sig = {}) =>
  c.json('GET', '/logs', LogsSchema, { ...o, query: { after }, timeoutMs: 60_000 });
export const clearLogs = (c: CpaClient) => c.json('DELETE', '/logs', StatusOkSchema);
export const listErrorLogs = async (c: CpaClient, o: Sig = {}) =>
  (await c.json('GET', '/request-error-logs', ErrorLogFilesSchema, o)).files;
export const downloadErrorLog = (c: CpaClient, name: string) => c.blob(`/request-error-logs/${encodeURIComponent(name)}`);

export const listPlugins = (c: CpaClient, o: Sig = {}) => c.json('GET', '/plugins', PluginsSchema, o);
export const setPluginEnabled = (c: CpaClient, id: string, enabled: boolean) =>
  c.json('PATCH', `/plugins/${encodeURIComponent(id)}/enabled`, StatusOkSchema, { body: { value: enabled, enabled } });

export const startOAuth = (c: CpaClient, provider: string) =>
  c.json('GET', `/${provider}-auth-url`, AuthUrlSchema, { query: { is_webui: true } });
export const getOAuthStatus = (c: CpaClient, state: string, o: Sig = {}) =>
  c.json('GET', '/get-auth-status', AuthStatusSchema, { ...o, query: { state } });
export const submitOAuthCallback = (c: CpaClient, provider: string, redirectUrl: string, state: string) =>
  c.json('POST', '/oauth-callback', StatusOkSchema, { body: { provider, redirect_url: redirectUrl, state } });

export interface ApiCallRequest {
  authIndex: string;
  method: string;
  url: string;
  header: Record<string, string>;
  data?: string;
}
export const apiCall = (c: CpaClient, r: ApiCallRequest, o: Sig = {}): Promise<ApiCallResult> =>
  c.json('POST', '/api-call', ApiCallSchema, {
    ...o,
    timeoutMs: 65_000,
    body: { auth_index: r.authIndex, method: r.method, url: r.url, header: r.header, ...(r.data ? { data: r.data } : {}) },
  });

/** `/v1/models` lives outside the management API and needs a client API key, not the management key. */
export async function listModels(c: CpaClient, apiKey: string, o: Sig = {}) {
  const res = await c.external('GET', '/v1/models', { Authorization: `Bearer ${apiKey}` }, o);
  const parsed = ModelsSchema.safeParse(await res.json().catch(() => null));
  if (!parsed.success) throw new PanelError({ code: 'invalid-response', url: `${c.baseUrl}/v1/models`, detail: 'no data[]' });
  return parsed.data.data;
}
