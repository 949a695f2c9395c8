import { readFile } from 'node:fs/promises';
import { StoreError } from '../errors';
import type { NormalizeFn } from '../types';
import { ImportSession, type ImportReport } from './import-session';

type SessionDeps = ConstructorParameters<typeof ImportSession>[0];

const ENDPOINT = /^(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)\s+\S+/;
const isObj = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

/**
 * CPA's legacy aggregated snapshot ({version, usage:{apis→models→details[]}}, or bare usage/apis).
 * Only details[] are imported; aggregate counters are ignored because they cannot be split back
 * into events. Each detail becomes a raw record for the injected normaliser.
 */
export async function importLegacySnapshot(
  deps: SessionDeps,
  source: string | Record<string, unknown>,
  normalize: NormalizeFn,
): Promise<ImportReport> {
  const where = typeof source === 'string' ? source : 'the snapshot object';
  let doc: unknown = source;
  if (typeof source === 'string') {
    try {
      doc = JSON.parse(await readFile(source, 'utf8'));
    } catch (cause) {
      throw new StoreError(
        'import_parse_error',
        `${where} is not a valid JSON legacy usage snapshot: ${(cause as Error).message}`,
        { cause },
      );
    }
  }
  if (!isObj(doc))
    throw new StoreError(
      'import_format_unknown',
      `${where} is not a JSON object; expected {"version":1,"usage":{"apis":…}}.`,
    );
  if ('version' in doc && doc.version !== 0 && doc.version !== 1) {
    throw new StoreError(
      'import_format_unknown',
      `${where} has unsupported version ${String(doc.version)}; legacy snapshots are version 0 or 1.`,
    );
  }
  const usage = isObj(doc.usage) ? doc.usage : doc;
  if (!isObj(usage.apis))
    throw new StoreError(
      'import_format_unknown',
      `${where} has no usage.apis object; it is not a CPA usage snapshot.`,
    );
  const session = new ImportSession(deps, 'legacy_snapshot');
  let pos = 0;
  let failed = 0;
  let unsupported = 0;
  for (const apiName of Object.keys(usage.apis).sort()) {
    const api = usage.apis[apiName];
    if (!isObj(api) || !isObj(api.models)) {
      failed++;
      continue;
    }
    for (const model of Object.keys(api.models).sort()) {
      const m = api.models[model];
      if (!isObj(m)) {
        failed++;
        continue;
      }
      if (!Array.isArray(m.details) || m.details.length === 0) {
        unsupported++;
        continue;
      }
      for (const d of m.details) {
        pos++;
        session.report.read = pos;
        if (session.skip(pos)) continue;
        if (!isObj(d) || !(d.timestamp ?? d.time ?? d.created_at)) {
          failed++;
          session.reject(pos, `detail without a timestamp (api ${apiName}, model ${model})`);
          continue;
        }
        const raw: Record<string, unknown> = {
          ...d,
          timestamp: d.timestamp ?? d.time ?? d.created_at,
          model,
          alias: model,
        };
        if (ENDPOINT.test(apiName)) raw.endpoint = apiName;
        else raw.api_key = apiName;
        const res = normalize(raw);
        if (res.ok) session.add(res.event, pos);
        else session.reject(pos, res.reason);
      }
    }
  }
  if (pos === 0) {
    throw new StoreError(
      'import_no_details',
      `legacy usage export does not contain request details (${where}): aggregate-only snapshots cannot be turned into events.`,
    );
  }
  session.report.warnings.push(
    'legacy_usage_metadata_is_partial',
    'legacy_usage_source_matching_may_be_approximate',
  );
  if (failed) session.report.warnings.push(`legacy_usage_failed_entries:${failed}`);
  if (unsupported) session.report.warnings.push(`legacy_usage_models_without_details:${unsupported}`);
  return session.finish();
}
