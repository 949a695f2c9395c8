import { StoreError, StoreImportError } from '../errors';
import type { NormalizeFn, UsageEventInput } from '../types';
import { ImportSession, type SessionDeps, type ImportProgress, type ImportReport } from './import-session';
import { normalizeKeyFields } from './key-fields';
import { readLines, type ImportSource } from './line-reader';
import { UsageEventLineSchema, detectLine, normalizePlusRow, type LineKind } from './record-adapters';

export interface ImportOptions {
  /** Turns raw CPA records (and Plus / CPA-Manager rows) into events; the server passes the collector's normalizeRecord. */
  normalize?: NormalizeFn;
  /** Events per transaction (default 1,000). */
  chunkSize?: number;
  /** Saves the last committed position under this key; a later run with the same key resumes after it. */
  checkpointKey?: string;
  onProgress?: (p: ImportProgress) => void;
  /** 'fail' (default): a line that is not JSON stops the import with its line number. 'skip': count it and go on. */
  onBrokenLine?: 'fail' | 'skip';
}


export function toEvent(
  obj: Record<string, unknown>,
  kind: LineKind,
  normalize: NormalizeFn | undefined,
  where: string,
): { ok: true; event: UsageEventInput } | { ok: false; reason: string } {
  if (kind === 'cpamp') {
    const p = UsageEventLineSchema.safeParse(obj);
    if (!p.success)
      return {
        ok: false,
        reason: `invalid cpamp event: ${p.error.issues[0]?.path.join('.')} ${p.error.issues[0]?.message}`,
      };
    const e = { ...(p.data as UsageEventInput), ...normalizeKeyFields(p.data.apiKeyHash, p.data.apiKeyLabel) };
    if (e.rateLimitHeaders === undefined) delete e.rateLimitHeaders;
    return { ok: true, event: e };
  }
  if (!normalize) {
    throw new StoreError(
      'import_source_invalid',
      `${where} holds ${kind === 'plus_export' ? 'CPA-Manager / Plus export' : 'raw CPA'} records; pass options.normalize (the collector's normalizeRecord) to import them.`,
    );
  }
  return kind === 'plus_export' ? normalizePlusRow(obj, normalize) : normalize(obj);
}

export async function importJsonl(
  deps: SessionDeps,
  source: ImportSource,
  opts: ImportOptions,
): Promise<ImportReport> {
  const session = await ImportSession.open(deps, 'mixed_jsonl');
  const where = typeof source === 'string' ? source : 'the import stream';
  const kinds = new Set<LineKind>();
  for await (const { line, no } of readLines(source)) {
    session.report.read = no;
    if (session.skip(no)) continue;
    const t = line.trim();
    if (t === '') continue;
    let obj: unknown;
    try {
      obj = JSON.parse(t);
    } catch (cause) {
      if (opts.onBrokenLine === 'skip') {
        session.reject(no, 'not valid JSON');
        continue;
      }
      // The chunk holding the broken line is dropped whole: no partial chunk reaches the store.
      session.abandon();
      const through = session.report.committedThrough;
      throw new StoreImportError(
        `Line ${no} of ${where} is not valid JSON (${(cause as Error).message}). ` +
          (through > 0
            ? `Lines 1-${through} are committed (whole chunks of ${deps.chunkSize}); nothing after line ${through} was written`
            : 'Nothing was written') +
          (deps.checkpointKey
            ? `; fix the line and import again with checkpointKey "${deps.checkpointKey}" to resume after line ${through}.`
            : '; fix the line and import again (committed events are skipped as duplicates).'),
        no,
        session.report.inserted,
        { cause },
      );
    }
    if (!obj || typeof obj !== 'object' || Array.isArray(obj)) {
      session.reject(no, 'line is not a JSON object');
      continue;
    }
    const kind = detectLine(obj as Record<string, unknown>);
    kinds.add(kind);
    const res = toEvent(obj as Record<string, unknown>, kind, opts.normalize, where);
    if (res.ok) {
      const added = session.add(res.event, no);
      if (added) await added;
    }
    else session.reject(no, res.reason);
  }
  if (kinds.size === 1) {
    const k = [...kinds][0]!;
    session.report.format =
      k === 'cpamp' ? 'cpamp_jsonl' : k === 'plus_export' ? 'plus_jsonl' : 'raw_cpa_jsonl';
  }
  return session.finish();
}
