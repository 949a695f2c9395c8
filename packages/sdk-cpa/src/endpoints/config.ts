// GET /config, GET|PUT /config.yaml and the usage-statistics switch the collector depends on.
import { CpaHttpError } from '../errors';
import type { HttpTransport } from '../http';
import { StatusOkSchema } from '../schemas/common.schema';
import {
  CpaConfigSchema,
  PutConfigYamlResultSchema,
  settingSchema,
  type CpaConfig,
  type CpaPutConfigYamlResult,
} from '../schemas/config.schema';
import type { CpaCallOptions } from './call-options';

export interface CpaConfigApi {
  /** The whole runtime config as JSON. Contains plaintext client and provider keys: handle with care. */
  get(options?: CpaCallOptions): Promise<CpaConfig>;
  /** config.yaml exactly as stored (the secret-key appears as CPA's bcrypt hash). */
  getYaml(options?: CpaCallOptions): Promise<string>;
  /** Replaces config.yaml (validated by CPA first). 400/422 → CpaHttpError code 'config_rejected'. */
  putYaml(yaml: string, options?: CpaCallOptions): Promise<CpaPutConfigYamlResult>;
  /** Off by default in CPA; while off, no usage record is ever queued. */
  getUsageStatisticsEnabled(options?: CpaCallOptions): Promise<boolean>;
  setUsageStatisticsEnabled(enabled: boolean, options?: CpaCallOptions): Promise<void>;
}

function configRejected(error: CpaHttpError): CpaHttpError {
  if (error.status !== 400 && error.status !== 422) return error;
  let detail = error.cpaError ?? 'rejected';
  try {
    const parsed = JSON.parse(error.body) as { message?: unknown };
    if (typeof parsed.message === 'string' && parsed.message) detail = `${detail}: ${parsed.message}`;
  } catch {
    // keep the short form
  }
  const what = error.status === 400 ? 'is not valid YAML' : 'does not load as a CPA config';
  return new CpaHttpError({
    code: 'config_rejected',
    status: error.status,
    method: error.method,
    url: error.url,
    body: error.body,
    cpaError: error.cpaError,
    cause: error,
    message: `CPA rejected the new config.yaml: it ${what} (${error.status} ${detail}). Nothing was written; fix the YAML and retry.`,
  });
}

export function createConfigApi(http: HttpTransport): CpaConfigApi {
  const usageSchema = settingSchema('usage-statistics-enabled');
  return {
    get: (o) => http.json({ method: 'GET', path: '/config', signal: o?.signal }, CpaConfigSchema),
    getYaml: (o) => http.text({ method: 'GET', path: '/config.yaml', signal: o?.signal }),
    putYaml: (yaml, o) =>
      http.json(
        {
          method: 'PUT',
          path: '/config.yaml',
          body: yaml,
          contentType: 'application/yaml; charset=utf-8',
          signal: o?.signal,
          mapError: configRejected,
        },
        PutConfigYamlResultSchema,
      ),
    async getUsageStatisticsEnabled(o) {
      const res = await http.json(
        { method: 'GET', path: '/usage-statistics-enabled', signal: o?.signal },
        usageSchema,
      );
      return res['usage-statistics-enabled'] as boolean;
    },
    async setUsageStatisticsEnabled(enabled, o) {
      await http.json(
        { method: 'PUT', path: '/usage-statistics-enabled', json: { value: enabled }, signal: o?.signal },
        StatusOkSchema,
      );
    },
  };
}
