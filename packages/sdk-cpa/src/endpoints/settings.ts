// Scalar settings: GET → {"<key>": value}; PUT {"value": v}; DELETE only for proxy-url.
import { CpaError } from '../errors';
import type { HttpTransport } from '../http';
import { StatusOkSchema } from '../schemas/common.schema';
import {
  isSettingKey,
  settingResponseKey,
  settingSchema,
  type CpaSettingKey,
  type CpaSettingTypes,
} from '../schemas/config.schema';
import type { CpaCallOptions } from './call-options';

export interface CpaSettingsApi {
  get<K extends CpaSettingKey>(key: K, options?: CpaCallOptions): Promise<CpaSettingTypes[K]>;
  set<K extends CpaSettingKey>(key: K, value: CpaSettingTypes[K], options?: CpaCallOptions): Promise<void>;
  /** DELETE /proxy-url: back to direct connections. */
  clearProxyUrl(options?: CpaCallOptions): Promise<void>;
}

function checkKey(key: string): void {
  if (!isSettingKey(key)) {
    throw new CpaError(
      'invalid_argument',
      `settings: unknown setting "${key}". Use one of the CpaSettingKey names, e.g. "debug".`,
    );
  }
}

export function createSettingsApi(http: HttpTransport): CpaSettingsApi {
  return {
    async get(key, o) {
      checkKey(key);
      const res = await http.json({ method: 'GET', path: `/${key}`, signal: o?.signal }, settingSchema(key));
      return res[settingResponseKey(key)] as CpaSettingTypes[typeof key];
    },
    async set(key, value, o) {
      checkKey(key);
      await http.json({ method: 'PUT', path: `/${key}`, json: { value }, signal: o?.signal }, StatusOkSchema);
    },
    async clearProxyUrl(o) {
      await http.json({ method: 'DELETE', path: '/proxy-url', signal: o?.signal }, StatusOkSchema);
    },
  };
}
