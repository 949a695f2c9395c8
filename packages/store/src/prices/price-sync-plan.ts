import { StoreError } from '../errors';
import type { ModelPrice } from './cost';
import { indexLiteLlm, matchLiteLlm, parseLiteLlm, type LiteLlmEntry } from './litellm';
import { detectPriceFormat, parseModelsDev, parseOpenRouter, type PriceFileFormat } from './price-formats';
import { ratesDiffer } from './price-versions';

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
  /** The file's format (detected from its shape). */
  format?: PriceFileFormat;
  /**
   * Models the file prices differently under several providers (models.dev): not applied until the user
   * picks one (`select: {<model>: <sourceModelId>}`).
   */
  candidates?: { model: string; candidates: { sourceModelId: string; provider: string; price: LiteLlmEntry['price'] }[] }[];
}

export interface ParsedPriceFile {
  entries: LiteLlmEntry[];
  skipped: number;
  format?: PriceFileFormat;
}

/** Parses a LiteLLM file; one with no usable entry is an error (a wrong file, not "no prices"). */
export function parsePriceFile(json: unknown): ParsedPriceFile {
  const format = detectPriceFormat(json);
  const parse = format === 'models.dev' ? parseModelsDev : format === 'openrouter' ? parseOpenRouter : parseLiteLlm;
  const { entries, skipped } = parse(json);
  if (entries.length === 0) {
    throw new StoreError(
      'price_source_failed',
      format === 'litellm'
        ? 'The price file has no usable LiteLLM entries; check that it is model_prices_and_context_window.json.'
        : `The ${format} price file has no usable entries.`,
    );
  }
  return { entries, skipped, format };
}

/**
 * Pairs each target model with its LiteLLM entry (every entry when there are no targets) and
 * starts the report; the version is filled in by the caller.
 */
export function matchPriceTargets(
  file: ParsedPriceFile,
  targets: readonly string[],
  version: number,
  select: Readonly<Record<string, string>> = {},
): { pairs: [string, LiteLlmEntry][]; report: PriceSyncReport } {
  const report: PriceSyncReport = {
    version,
    matched: [],
    unmatched: [],
    preservedManual: [],
    skippedEntries: file.skipped,
    format: file.format ?? 'litellm',
    candidates: [],
  };
  // The same model id under several providers (models.dev): a candidate list when their prices differ.
  const byKey = new Map<string, LiteLlmEntry[]>();
  for (const e of file.entries) {
    const k = e.key.toLowerCase();
    byKey.set(k, [...(byKey.get(k) ?? []), e]);
  }
  const choose = (model: string, e: LiteLlmEntry): LiteLlmEntry | null => {
    const all = byKey.get(e.key.toLowerCase()) ?? [e];
    const picked = select[model];
    if (picked !== undefined) return all.find((x) => x.price.sourceModelId === picked) ?? null;
    if (all.length < 2 || all.every((x) => !ratesDiffer({ ...x.price, model, manual: false, updatedMs: 0 }, { ...e.price, model, manual: false, updatedMs: 0 })))
      return e;
    report.candidates!.push({ model, candidates: all.map((x) => ({ sourceModelId: x.price.sourceModelId ?? x.key, provider: x.provider, price: x.price })) });
    return null;
  };
  const pairs: [string, LiteLlmEntry][] = [];
  if (targets.length === 0) {
    for (const e of file.entries) pairs.push([e.key, e]);
  } else {
    const index = indexLiteLlm(file.entries);
    for (const m of targets) {
      const e = matchLiteLlm(index, m);
      if (!e) report.unmatched.push(m);
      else {
        const chosen = choose(m, e);
        if (chosen) pairs.push([m, chosen]);
      }
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
