import type Database from 'better-sqlite3';
import type { ColumnCache } from '../analytics/column-cache';
import type { TimeZones } from '../analytics/time-zone';
import type { DictionaryCache } from '../dictionary/dictionary-cache';
import { StoreError } from '../errors';
import type { EventsRepository } from '../events/events.repository';
import type { NormalizeFn, StoreLogger } from '../types';
import { exportJsonl, type ExportOptions } from './export';
import { importJsonl, type ImportOptions } from './import-jsonl';
import { importLegacySnapshot } from './import-legacy';
import { sqliteImportSink, type ImportReport, type ImportSink, type SessionDeps } from './import-session';
import type { ImportExportRepository } from '../repositories';
import { importSqlite } from './import-sqlite';
import { importJsonArray } from './import-json-array';
import { topLevelShape } from './json-stream';
import { peekFile } from './line-reader';
import { buildUsagePayloadBytes, type UsagePayloadOptions } from './usage-payload';

/** The import/export side of the store (the async interface is the one the store exports). */
export type ImportExport = ImportExportRepository;

export function createImportExport(deps: {
  writer: Database.Database;
  reader: () => Database.Database;
  dict: DictionaryCache;
  events: EventsRepository;
  logger: StoreLogger;
  now: () => number;
  zones: TimeZones;
  /** The column cache, when the legacy payload may be served from it (once warm). */
  cache?: () => ColumnCache | null;
}): ImportExport {
  return buildImportExport({
    sink: sqliteImportSink(deps.writer, deps.events),
    logger: deps.logger,
    now: deps.now,
    exportJsonl: (opts) => exportJsonl(deps.reader, deps.dict, opts),
    usagePayloadBytes: (opts) => buildUsagePayloadBytes(deps.reader, deps.dict, opts, deps.cache),
  });
}

/**
 * The import / export repository over any dialect: the importers write through `sink`; the export and the
 * legacy payload come from the dialect's readers. Format detection, sessions and reports are shared.
 */
export function buildImportExport(deps: {
  sink: ImportSink;
  logger: StoreLogger;
  now: () => number;
  exportJsonl: (opts?: ExportOptions) => AsyncGenerator<string>;
  usagePayloadBytes: (opts: UsagePayloadOptions) => AsyncGenerator<Uint8Array>;
}): ImportExport {
  const session = (o: ImportOptions): SessionDeps => ({
    sink: deps.sink,
    now: deps.now,
    chunkSize: o.chunkSize ?? 1000,
    ...(o.checkpointKey !== undefined ? { checkpointKey: o.checkpointKey } : {}),
    ...(o.onProgress !== undefined ? { onProgress: o.onProgress } : {}),
  });
  const needNormalize = (o: ImportOptions, what: string): NormalizeFn => {
    if (!o.normalize)
      throw new StoreError(
        'import_source_invalid',
        `Importing ${what} needs options.normalize (the collector's normalizeRecord).`,
      );
    return o.normalize;
  };
  const done = (r: ImportReport) => {
    deps.logger.info(
      { format: r.format, inserted: r.inserted, duplicates: r.duplicates, rejected: r.rejected },
      'store import finished',
    );
    return r;
  };

  const checkRange = (opts: UsagePayloadOptions) => {
    if (!Number.isFinite(opts.from) || !Number.isFinite(opts.to)) {
      throw new StoreError('invalid_query', 'usagePayload needs a finite from/to range in epoch ms.');
    }
  };
  const api: ImportExport = {
    exportJsonl: (opts) => deps.exportJsonl(opts),
    importJsonl: async (source, opts = {}) => done(await importJsonl(session(opts), source, opts)),
    importLegacySnapshot: async (source, opts) =>
      done(await importLegacySnapshot(session(opts), source, opts.normalize)),
    importSqlite: async (path, opts) => done(await importSqlite(session(opts), path, opts.normalize)),
    async importFile(path, opts = {}) {
      // By content, never by line count: CPA writes its legacy export as ONE line of compact JSON, and a
      // one-line file may as well be a single raw record. The first 64 KiB show which it is.
      const head = await peekFile(path, 65536);
      if (head.startsWith('SQLite format 3'))
        return api.importSqlite(path, { ...opts, normalize: needNormalize(opts, path) });
      const t = head.replace(/^\uFEFF/, '').trimStart();
      if (t.startsWith('[')) return done(await importJsonArray(session(opts), path, opts));
      if (t.startsWith('{')) {
        const shape = topLevelShape(t);
        // A snapshot is one document whose top level has usage (the export, the /usage payload, a Management
        // Center save) or apis (a bare snapshot); an event or raw record has neither.
        if (
          !shape.multipleValues &&
          (shape.objectKeys.includes('usage') || shape.objectKeys.includes('apis'))
        ) {
          return api.importLegacySnapshot(path, { ...opts, normalize: needNormalize(opts, path) });
        }
      }
      return api.importJsonl(path, opts);
    },
    usagePayload: (opts) => {
      checkRange(opts);
      return latin1Chunks(deps.usagePayloadBytes(opts));
    },
    usagePayloadBytes: (opts) => {
      checkRange(opts);
      return deps.usagePayloadBytes(opts);
    },
  };
  return api;
}

/** The payload as text chunks (ASCII: each chunk is a plain byte copy). */
async function* latin1Chunks(bytes: AsyncIterable<Uint8Array>): AsyncGenerator<string> {
  for await (const b of bytes) yield Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1');
}
