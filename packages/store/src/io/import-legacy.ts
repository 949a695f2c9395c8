import { Readable } from 'node:stream';
import { StoreError } from '../errors';
import type { NormalizeFn } from '../types';
import { ImportSession, type SessionDeps, type ImportReport } from './import-session';
import { streamJsonValues } from './json-stream';
import type { ImportSource } from './line-reader';


const ENDPOINT = /^(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)\s+\S+/;
const isObj = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

/**
 * CPA's legacy aggregated snapshot ({version, usage:{apis→models→details[]}}, or bare usage/apis).
 * Only details[] are imported; aggregate counters are ignored because they cannot be split back
 * into events. Each detail becomes a raw record for the injected normaliser.
 */
const LEGACY_WHERE = 'legacy usage snapshot';

/** usage.apis.<api>.models.<model>.details[] (or the same under a bare top-level apis). */
function isDetailPath(p: readonly string[]): boolean {
  const n = p.length;
  return (
    (n === 6 || (n === 7 && p[0] === 'usage')) &&
    p[n - 1] === '[]' &&
    p[n - 2] === 'details' &&
    p[n - 4] === 'models' &&
    p[n - 6] === 'apis'
  );
}

interface Detail {
  api: string;
  model: string;
  detail: unknown;
}

/** An in-memory snapshot: endpoints and models in sorted order (as Plus iterates them). */
function* detailsOfObject(
  doc: Record<string, unknown>,
  where: string,
  counts: { failed: number; unsupported: number },
): Generator<Detail> {
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
  for (const apiName of Object.keys(usage.apis).sort()) {
    const api = usage.apis[apiName];
    if (!isObj(api) || !isObj(api.models)) {
      counts.failed++;
      continue;
    }
    for (const model of Object.keys(api.models).sort()) {
      const m = api.models[model];
      if (!isObj(m)) {
        counts.failed++;
        continue;
      }
      if (!Array.isArray(m.details) || m.details.length === 0) {
        counts.unsupported++;
        continue;
      }
      for (const detail of m.details) yield { api: apiName, model, detail };
    }
  }
}

/**
 * A snapshot file, streamed: CPA writes its legacy export as one line of compact JSON (gin's c.JSON) that can
 * be gigabytes; only one detail at a time is held. Details come in file order.
 */
async function* detailsOfFile(
  source: ImportSource,
  where: string,
  counts: { failed: number; unsupported: number },
): AsyncGenerator<Detail> {
  // A model (…apis.<api>.models.<model>) that closes without a non-empty details array is "unsupported".
  const isModel = (p: readonly string[]) =>
    (p.length === 4 || (p.length === 5 && p[0] === 'usage')) &&
    p[p.length - 2] === 'models' &&
    p[p.length - 4] === 'apis';
  let modelHadDetails = false;
  const onClose = (p: readonly string[], count: number): void => {
    if (p[p.length - 1] === 'details' && isModel(p.slice(0, -1)) && count > 0) modelHadDetails = true;
    else if (isModel(p)) {
      if (!modelHadDetails) counts.unsupported++;
      modelHadDetails = false;
    }
  };
  for await (const { path, value } of streamJsonValues(source, {
    where,
    want: (p) => isDetailPath(p) || (p.length === 1 && p[0] === 'version'),
    onClose,
  })) {
    if (path.length === 1) {
      if (value !== 0 && value !== 1) {
        throw new StoreError(
          'import_format_unknown',
          `${where} has unsupported version ${String(value)}; legacy snapshots are version 0 or 1.`,
        );
      }
      continue;
    }
    const n = path.length;
    yield { api: path[n - 5]!, model: path[n - 3]!, detail: value };
  }
}

/**
 * CPA's legacy aggregated snapshot ({version, usage:{apis→models→details[]}}, the /usage payload, or bare
 * usage/apis), from a file (streamed) or an object. Only details[] are imported; aggregate counters are
 * ignored because they cannot be split back into events. Each detail becomes a raw record for the injected
 * normaliser.
 */
export async function importLegacySnapshot(
  deps: SessionDeps,
  source: ImportSource | Record<string, unknown>,
  normalize: NormalizeFn,
): Promise<ImportReport> {
  const where = typeof source === 'string' ? source : `the ${LEGACY_WHERE}`;
  const counts = { failed: 0, unsupported: 0 };
  const isPlainObject =
    isObj(source) &&
    !(source instanceof Readable) &&
    !(Symbol.asyncIterator in source) &&
    !(Symbol.iterator in source);
  const details: AsyncIterable<Detail> | Iterable<Detail> = isPlainObject
    ? detailsOfObject(source as Record<string, unknown>, where, counts)
    : detailsOfFile(source as ImportSource, where, counts);
  const session = await ImportSession.open(deps, 'legacy_snapshot');
  let pos = 0;
  for await (const { api: apiName, model, detail: d } of details) {
    pos++;
    session.report.read = pos;
    if (session.skip(pos)) continue;
    if (!isObj(d) || !(d.timestamp ?? d.time ?? d.created_at)) {
      counts.failed++;
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
    if (res.ok) {
      const added = session.add(res.event, pos);
      if (added) await added;
    }
    else session.reject(pos, res.reason);
    // A long file: let the server breathe between chunks.
    if (pos % 5000 === 0) await new Promise<void>((r) => setImmediate(r));
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
  if (counts.failed) session.report.warnings.push(`legacy_usage_failed_entries:${counts.failed}`);
  if (counts.unsupported)
    session.report.warnings.push(`legacy_usage_models_without_details:${counts.unsupported}`);
  return session.finish();
}
