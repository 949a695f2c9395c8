import { StoreError } from '../errors';
import type { ModelPrice } from './cost';
import { indexLiteLlm, matchLiteLlm, parseLiteLlm, type LiteLlmEntry } from './litellm';

export interface PriceSyncReport {
  version: number;
  /** CPA model id → LiteLLM entry used. */
  matched: { model: string; sourceModelId: string }[];
  /** Target models with no entry in the file. */
  unmatched: string[];
  /** Manual prices left untouched. */
  preservedManual: string[];
  /** Entries in the file that were not usable (sample_spec, embeddings, no prices). */
  skippedEntries: number;
  /** Models whose price now bills differently, with the date the new price takes effect (null = all history). */
  changes?: { model: string; effectiveFrom: number | null }[];
}

export interface ParsedPriceFile {
  entries: LiteLlmEntry[];
  skipped: number;
}

/** Parses a LiteLLM file; one with no usable entry is an error (a wrong file, not "no prices"). */
export function parsePriceFile(json: unknown): ParsedPriceFile {
  const { entries, skipped } = parseLiteLlm(json);
  if (entries.length === 0) {
    throw new StoreError(
      'price_source_failed',
      'The price file has no usable LiteLLM entries; check that it is model_prices_and_context_window.json.',
    );
  }
  return { entries, skipped };
}

/**
 * Pairs each target model with its LiteLLM entry (every entry when there are no targets) and
 * starts the report; the version is filled in by the caller.
 */
export function matchPriceTargets(
  file: ParsedPriceFile,
  targets: readonly string[],
  version: number,
): { pairs: [string, LiteLlmEntry][]; report: PriceSyncReport } {
  const report: PriceSyncReport = {
    version,
    matched: [],
    unmatched: [],
    preservedManual: [],
    skippedEntries: file.skipped,
  };
  const pairs: [string, LiteLlmEntry][] = [];
  if (targets.length === 0) {
    for (const e of file.entries) pairs.push([e.key, e]);
  } else {
    const index = indexLiteLlm(file.entries);
    for (const m of targets) {
      const e = matchLiteLlm(index, m);
      if (e) pairs.push([m, e]);
      else report.unmatched.push(m);
    }
  }
  return { pairs, report };
}

/** The synced prices to write; manual prices are kept and listed in the report. */
export function syncedPrices(
  pairs: readonly [string, LiteLlmEntry][],
  current: (model: string) => ModelPrice | undefined,
  now: number,
  report: PriceSyncReport,
): ModelPrice[] {
  const updates: ModelPrice[] = [];
  for (const [model, e] of pairs) {
    if (current(model.toLowerCase())?.manual) {
      report.preservedManual.push(model);
      continue;
    }
    updates.push({ ...e.price, model, manual: false, updatedMs: now });
    report.matched.push({ model, sourceModelId: e.key });
  }
  return updates;
}
