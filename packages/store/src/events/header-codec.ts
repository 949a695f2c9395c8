// Compact storage of an event's rate-limit response headers (event_extra, migration 0028). The header names
// repeat from event to event (one provider sends the same few every time), so the ordered list of names is
// kept once in the `header_set` dictionary (`names`, a JSON array) and the row keeps the set's id (`hset`)
// and only the values, joined by US (U+001F); both dialects write it. A row with `hset` NULL holds the whole
// object as JSON text: Postgres rows written before its 0028, and header sets the compact form cannot carry
// exactly (see packHeaders).

/** Separates the values of one row (a control character: the collector strips those from values). */
export const HEADER_VALUE_SEP = '\u001f';

/** Whether `v` holds a control character (the separator among them): such a value stays JSON. */
function hasControl(v: string): boolean {
  for (let i = 0; i < v.length; i++) if (v.charCodeAt(i) < 0x20) return true;
  return false;
}

/**
 * The compact parts of a header object, or null when it must stay JSON: a value that is not a string or holds
 * a control character, or an object whose JSON text has a `\u` escape (a lone surrogate, which UTF-8 text
 * cannot hold; also a literal backslash-u, kept JSON to match migration 0028's SQL test exactly).
 */
export function packHeaders(h: Record<string, unknown>): { names: string; values: string } | null {
  const names = Object.keys(h);
  if (names.length === 0) return null;
  const values: string[] = [];
  for (const n of names) {
    const v = h[n];
    if (typeof v !== 'string' || hasControl(v)) return null;
    values.push(v);
  }
  if (JSON.stringify(h).includes('\\u')) return null;
  return { names: JSON.stringify(names), values: values.join(HEADER_VALUE_SEP) };
}

/**
 * The header object of a stored row: `names` is the row's `header_set.names` (NULL when the row holds JSON).
 * Built with Object.fromEntries so a name such as `__proto__` stays an own key, as JSON.parse keeps it.
 */
export function unpackHeaders(
  text: string | null | undefined,
  names: string | null | undefined,
): Record<string, string> | null {
  if (text === null || text === undefined) return null;
  if (names === null || names === undefined) {
    if (text === '') return null;
    return JSON.parse(text) as Record<string, string>;
  }
  const keys = JSON.parse(names) as string[];
  const values = keys.length === 1 ? [text] : text.split(HEADER_VALUE_SEP);
  return Object.fromEntries(keys.map((k, i) => [k, values[i] ?? '']));
}

/** The row's headers as the JSON text the export writes (the stored text itself for a JSON row). */
export function headersJsonText(
  text: string | null | undefined,
  names: string | null | undefined,
): string | null {
  if (text === null || text === undefined) return null;
  if (names === null || names === undefined) return text === '' ? null : text;
  return JSON.stringify(unpackHeaders(text, names));
}

/**
 * headersJsonText for a long run of rows (the export): each set's names are parsed and JSON-quoted once. The
 * text is the same as JSON.stringify of the object: its key order is the stored names order, which is
 * Object.keys order of the object written (integer-like names first), and a name is never repeated.
 */
export function headersJsonWriter(): (
  text: string | null | undefined,
  names: string | null | undefined,
) => string | null {
  const sets = new Map<string, string[]>();
  return (text, names) => {
    if (text === null || text === undefined || names === null || names === undefined)
      return headersJsonText(text, names);
    let keys = sets.get(names);
    if (!keys) {
      // A store has a handful of sets; a file with very many only pays the parse again.
      if (sets.size >= 1000) sets.clear();
      keys = (JSON.parse(names) as string[]).map((k) => `${JSON.stringify(k)}:`);
      sets.set(names, keys);
    }
    const values = keys.length === 1 ? [text] : text.split(HEADER_VALUE_SEP);
    let out = '{';
    for (let i = 0; i < keys.length; i++)
      out += `${i ? ',' : ''}${keys[i]}${JSON.stringify(values[i] ?? '')}`;
    return `${out}}`;
  };
}

/** The extra columns an events read selects (SQL; `e` = events): the row's fail body, headers and set names. */
export const EXTRA_COLUMNS = 'x.fail_body, x.headers, hs.names AS header_names';
/** Joins an events row (`e`) to its extra payload and that payload's header set. */
export const EXTRA_JOIN =
  'LEFT JOIN event_extra x ON x.event_id = e.id LEFT JOIN header_set hs ON hs.id = x.hset';
