// Imports one uploaded usage file (JSONL in any of our/Plus/raw-CPA shapes, or a CPA legacy JSON snapshot)
// into the store with the collector's normalizeRecord. Shared by the one-shot upload and the chunked
// upload sessions; the caller's mistakes (a broken line, an unknown format) come back as a 400 body.
import { normalizeRecord } from '@cpamp/collector';
import { StoreImportError, isStoreError, type ImportReport } from '@cpamp/store';
import type { ServerStore } from '../server-store';

export type ImportResult = ReturnType<typeof toImportResult>;
export type ImportOutcome = { ok: true; result: ImportResult } | { ok: false; error: { error: string; code: string; [k: string]: unknown } };

/** What an import needs of the store. */
export type UsageImportStore = { io: Pick<ServerStore['io'], 'importFile'> };

export function toImportResult(report: ImportReport) {
  return {
    format: report.format,
    added: report.inserted,
    skipped: report.duplicates,
    total: report.read,
    failed: report.rejected,
    unsupported: 0,
    warnings: report.warnings,
    rejections: report.rejections,
  };
}

export async function importUploadedFile(store: UsageImportStore, file: string): Promise<ImportOutcome> {
  try {
    return { ok: true, result: toImportResult(await store.io.importFile(file, { normalize: normalizeRecord })) };
  } catch (error) {
    if (error instanceof StoreImportError) {
      return {
        ok: false,
        error: {
          error: `Line ${error.line} of the uploaded file is not valid JSON; the ${error.committed} records before it were imported. Fix that line and import the file again (already imported records are skipped as duplicates).`,
          code: 'import_parse_error',
          line: error.line,
          committed: error.committed,
        },
      };
    }
    if (isStoreError(error) && error.code.startsWith('import_')) {
      // The store names the temp file; the caller knows it as the uploaded file.
      return { ok: false, error: { error: error.message.split(file).join('the uploaded file'), code: error.code } };
    }
    throw error;
  }
}
