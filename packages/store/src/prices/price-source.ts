import { readFile } from 'node:fs/promises';
import { StoreError } from '../errors';

export type PriceSource = { url: string; timeoutMs?: number } | { file: string } | { json: unknown };

/** Reads a LiteLLM price file from a URL, a file or a given value. */
export async function loadPriceSource(source: PriceSource): Promise<unknown> {
  try {
    if ('json' in source) return typeof source.json === 'string' ? JSON.parse(source.json) : source.json;
    if ('file' in source) return JSON.parse(await readFile(source.file, 'utf8'));
    const res = await fetch(source.url, { signal: AbortSignal.timeout(source.timeoutMs ?? 30_000) });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    return await res.json();
  } catch (cause) {
    const where = 'json' in source ? 'the given JSON' : 'file' in source ? source.file : source.url;
    throw new StoreError(
      'price_source_failed',
      `Could not read prices from ${where}: ${(cause as Error).message}. Offline? Download model_prices_and_context_window.json and sync from the file.`,
      { cause },
    );
  }
}
