// Postgres array literals built directly from JS values for the write path's unnest() inserts. node-pg's
// generic encoder escapes and quotes every element of an array parameter (~40% of a 5,000-event batch's
// client CPU); integers and hex strings need no escaping, so a join is enough.

/** `{1,2,NULL}` for a bigint[] / int[] parameter (integers or null). */
export function intArray(values: readonly (number | null | undefined)[]): string {
  let out = '{';
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (i > 0) out += ',';
    out += v === null || v === undefined ? 'NULL' : String(v);
  }
  return out + '}';
}

/** `{"a","b\"c",NULL}` for a text[] parameter. */
export function textArray(values: readonly (string | null | undefined)[]): string {
  let out = '{';
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (i > 0) out += ',';
    out += v === null || v === undefined ? 'NULL' : `"${v.replace(/[\\"]/g, '\\$&')}"`;
  }
  return out + '}';
}

/** `{0a1b…,…}` for a text[] parameter of hex strings (decode(x, 'hex') turns them back into bytea). */
export function hexArray(values: readonly string[]): string {
  return `{${values.join(',')}}`;
}
