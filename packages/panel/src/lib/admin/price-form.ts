import { PRICE_FIELDS, type ModelPrice, type PriceField, type PriceInput } from '../api/admin-api';

export type PriceDraft = Record<PriceField, string>;

/** The editor's text fields for a price (empty = not set). */
export function toDraft(p: Partial<ModelPrice> | undefined): PriceDraft {
  const d = {} as PriceDraft;
  for (const f of PRICE_FIELDS) {
    const v = p?.[f];
    d[f] = typeof v === 'number' ? String(v) : '';
  }
  return d;
}

/** Parses the editor's fields; returns the first bad field instead when one is not a number >= 0. */
export function fromDraft(d: PriceDraft): { ok: true; price: PriceInput } | { ok: false; field: PriceField } {
  const price: PriceInput = {};
  for (const f of PRICE_FIELDS) {
    const raw = d[f].trim().replace(',', '.');
    if (raw === '') {
      price[f] = null;
      continue;
    }
    const n = Number(raw);
    if (!Number.isFinite(n) || n < 0) return { ok: false, field: f };
    price[f] = n;
  }
  return { ok: true, price };
}

/** A rate for the table: up to 4 decimals, '–' when unset. */
export function formatRate(v: number | null | undefined, locale: string): string {
  if (v === null || v === undefined) return '–';
  return new Intl.NumberFormat(locale, { maximumFractionDigits: 4 }).format(v);
}
