import type { SimpleDictionary } from '../dictionary/dictionary-cache';
import { upstreamOf } from './event-upstream';
import type { UsageEventInput } from '../types';
import type { EventColumn, EventDictIds } from './event-columns';

/** An event field stored as the id of a name in a simple dictionary table. */
export interface DictionaryField {
  field: keyof UsageEventInput;
  table: SimpleDictionary;
  column: Extract<EventColumn, `${string}_id`>;
  id: keyof EventDictIds;
}

/**
 * Every event field stored through a simple dictionary (keys and accounts have their own tables),
 * for both dialects. In the order the SQLite store creates entries for a new event: it decides
 * which ids new names get, so keep it.
 */
export const DICTIONARY_FIELDS = [
  { field: 'model', table: 'model', column: 'model_id', id: 'modelId' },
  { field: 'alias', table: 'model', column: 'alias_id', id: 'aliasId' },
  { field: 'provider', table: 'provider', column: 'provider_id', id: 'providerId' },
  { field: 'endpoint', table: 'endpoint', column: 'endpoint_id', id: 'endpointId' },
  { field: 'executorType', table: 'label', column: 'executor_id', id: 'executorId' },
  { field: 'source', table: 'label', column: 'source_id', id: 'sourceId' },
  { field: 'reasoningEffort', table: 'label', column: 'effort_id', id: 'effortId' },
  { field: 'serviceTier', table: 'label', column: 'tier_id', id: 'tierId' },
  { field: 'responseServiceTier', table: 'label', column: 'resp_tier_id', id: 'respTierId' },
  { field: 'authType', table: 'label', column: 'auth_type_id', id: 'authTypeId' },
  { field: 'clientIp', table: 'client_ip', column: 'ip_id', id: 'ipId' },
  { field: 'userAgent', table: 'user_agent', column: 'ua_id', id: 'uaId' },
  { field: 'upstream', table: 'upstream', column: 'upstream_id', id: 'upstreamId' },
] as const satisfies readonly DictionaryField[];

/** An event's dictionary ids: its key and account ids plus a simple-dictionary id per field (in DICTIONARY_FIELDS order). */
export function eventDictIds(
  e: UsageEventInput,
  keyId: number,
  accountId: number,
  id: (table: SimpleDictionary, name: string) => number,
): EventDictIds {
  const ids = { keyId, accountId } as EventDictIds;
  for (const f of DICTIONARY_FIELDS) ids[f.id] = id(f.table, dictionaryName(e, f.field));
  return ids;
}

/** The event fields of each simple dictionary. */
export const fieldsOf = (table: SimpleDictionary): (typeof DICTIONARY_FIELDS)[number][] =>
  DICTIONARY_FIELDS.filter((f) => f.table === table);

/** The name an event stores for a dictionary field (an absent upstream is the default one). */
export const dictionaryName = (e: UsageEventInput, field: (typeof DICTIONARY_FIELDS)[number]['field']): string =>
  field === 'upstream' ? upstreamOf(e) : e[field];
