// GET /model-definitions/:channel — CPA's static model catalogue per provider channel.
import { segment } from '../base-url';
import { CpaError } from '../errors';
import type { HttpTransport } from '../http';
import { ModelDefinitionsSchema, type CpaModelDefinition } from '../schemas/auth-files.schema';
import type { CpaCallOptions } from './call-options';

export interface CpaModelDefinitionsApi {
  /** e.g. get('codex'), get('claude'); unknown channel → CpaHttpError 400. */
  get(channel: string, options?: CpaCallOptions): Promise<CpaModelDefinition[]>;
}

export function createModelDefinitionsApi(http: HttpTransport): CpaModelDefinitionsApi {
  return {
    async get(channel, o) {
      if (!channel || channel.trim() === '') {
        throw new CpaError(
          'invalid_argument',
          'modelDefinitions.get: channel is empty. Pass a provider channel such as "codex".',
        );
      }
      const res = await http.json(
        { method: 'GET', path: `/model-definitions/${segment(channel.trim())}`, signal: o?.signal },
        ModelDefinitionsSchema,
      );
      return res.models ?? [];
    },
  };
}
