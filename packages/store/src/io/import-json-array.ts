// A JSON array of event objects (what Plus's importer also takes): streamed element by element, each handled
// like a JSONL line (our export, a Plus / CPA-Manager exported event, or a raw CPA record).
import { ImportSession, type ImportReport, type SessionDeps } from './import-session';
import { toEvent, type ImportOptions } from './import-jsonl';
import { streamJsonValues } from './json-stream';
import type { ImportSource } from './line-reader';
import { detectLine, type LineKind } from './record-adapters';


export async function importJsonArray(
  deps: SessionDeps,
  source: ImportSource,
  opts: ImportOptions,
): Promise<ImportReport> {
  const session = await ImportSession.open(deps, 'json_array');
  const where = typeof source === 'string' ? source : 'the import stream';
  const kinds = new Set<LineKind>();
  let pos = 0;
  for await (const { value } of streamJsonValues(source, {
    where,
    want: (p) => p.length === 1 && p[0] === '[]',
  })) {
    pos++;
    session.report.read = pos;
    if (session.skip(pos)) continue;
    if (!value || typeof value !== 'object' || Array.isArray(value)) {
      session.reject(pos, 'element is not a JSON object');
      continue;
    }
    const kind = detectLine(value as Record<string, unknown>);
    kinds.add(kind);
    const res = toEvent(value as Record<string, unknown>, kind, opts.normalize, where);
    if (res.ok) {
      const added = session.add(res.event, pos);
      if (added) await added;
    }
    else session.reject(pos, res.reason);
  }
  if (kinds.size === 1) {
    const k = [...kinds][0]!;
    session.report.format =
      k === 'cpamp' ? 'cpamp_json_array' : k === 'plus_export' ? 'plus_json_array' : 'raw_cpa_json_array';
  }
  return session.finish();
}
