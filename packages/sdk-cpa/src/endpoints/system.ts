// api-call passthrough (quota checks), reset-quota and latest-version.
import { CpaError } from '../errors';
import type { HttpTransport } from '../http';
import { StatusOkSchema } from '../schemas/common.schema';
import { ApiCallResultSchema, LatestVersionSchema } from '../schemas/system.schema';
import type { CpaCallOptions } from './call-options';

export interface CpaApiCallRequest {
  /** The credential to call with (auth_index from /auth-files or `auth-index` of a config key). */
  authIndex: string;
  method: string;
  url: string;
  /** "$TOKEN$" in any value is replaced by the credential's access token. */
  header?: Record<string, string>;
  /** Raw request body. */
  data?: string;
  proxyUrl?: string;
}

export interface CpaApiCallResult {
  /** The upstream status: CPA answers 200 even when upstream said 4xx/5xx. */
  statusCode: number;
  header: Record<string, string[]>;
  body: string;
}

export interface CpaSystemApi {
  apiCall(request: CpaApiCallRequest, options?: CpaCallOptions): Promise<CpaApiCallResult>;
  /** Clears CPA's local cooldown/quota state for one credential (does not contact the provider). */
  resetQuota(authIndex: string, options?: CpaCallOptions): Promise<void>;
  /** Latest CPA release tag on GitHub, as fetched by CPA (502 when GitHub is unreachable). */
  getLatestVersion(options?: CpaCallOptions): Promise<string>;
}

export function createSystemApi(http: HttpTransport): CpaSystemApi {
  return {
    async apiCall(req, o) {
      if (!req.method || !req.url) {
        throw new CpaError('invalid_argument', 'apiCall: method and url are required.');
      }
      const json: Record<string, unknown> = { auth_index: req.authIndex, method: req.method, url: req.url };
      if (req.header) json.header = req.header;
      if (req.data !== undefined) json.data = req.data;
      if (req.proxyUrl) json.proxy_url = req.proxyUrl;
      const res = await http.json(
        { method: 'POST', path: '/api-call', json, signal: o?.signal },
        ApiCallResultSchema,
      );
      const header: Record<string, string[]> = {};
      for (const [k, v] of Object.entries(res.header ?? {})) header[k] = v ?? [];
      return { statusCode: res.status_code, header, body: res.body ?? '' };
    },
    async resetQuota(authIndex, o) {
      if (!authIndex) throw new CpaError('invalid_argument', 'resetQuota: authIndex is empty.');
      await http.json(
        { method: 'POST', path: '/reset-quota', json: { auth_index: authIndex }, signal: o?.signal },
        StatusOkSchema,
      );
    },
    async getLatestVersion(o) {
      const res = await http.json(
        { method: 'GET', path: '/latest-version', signal: o?.signal },
        LatestVersionSchema,
      );
      return res['latest-version'];
    },
  };
}
