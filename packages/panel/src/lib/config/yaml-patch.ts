// Comment-preserving edits of a block-style YAML mapping such as CPA's config.yaml: set or delete the value at a
// key path by rewriting only the lines of that value, so every other line, comments included, stays byte-identical.
// A value on the path that is not a block mapping (null, a scalar, a flow `{…}`) is rewritten whole as one. The
// result is parsed again and must hold exactly the intended data; otherwise patchYaml throws rather than let a
// wrong file be saved.
import { dumpYaml, parseYaml } from './yaml-codec';

export type YamlPath = readonly string[];
type Obj = Record<string, unknown>;

interface Line {
  /** The line without its end-of-line characters. */
  text: string;
  indent: number;
  /** Not blank and not a comment (lines of a block scalar always count as content). */
  content: boolean;
}

/** One splice of the line array. */
interface Edit {
  at: number;
  remove: number;
  insert: string[];
}

/** What a mapping-level edit produced; `emptied`: a delete left the mapping without entries. */
interface Planned {
  edits: Edit[];
  emptied: boolean;
}

const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const pad = (n: number, l: string) => (l === '' ? '' : ' '.repeat(n) + l);

/** Deep equality of parsed YAML data (key order ignored, NaN equals NaN). */
export function sameData(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => sameData(x, b[i]));
  if (!isObj(a) || !isObj(b)) return false;
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && sameData(a[k], b[k]));
}

/** A copy of `obj` with `value` at `path` (undefined deletes); parents that are not mappings become mappings. */
export function withValue(obj: Obj, path: YamlPath, value: unknown): Obj {
  const [key, ...rest] = path;
  if (key === undefined) return obj;
  const out = { ...obj };
  if (rest.length === 0) {
    if (value === undefined) delete out[key];
    else out[key] = value;
    return out;
  }
  const child = out[key];
  if (isObj(child)) out[key] = withValue(child, rest, value);
  else if (value !== undefined) out[key] = withValue({}, rest, value);
  return out;
}

/** Index where a `#` comment starts in a line (quotes respected), or the line's length. */
function commentStart(s: string): number {
  let quote = '';
  let prev = ''; // last character that is not a space, outside quotes
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (quote) {
      if (quote === '"' && c === '\\') i++;
      else if (c === quote) {
        if (quote === "'" && s[i + 1] === "'") i++;
        else quote = '';
      }
      continue;
    }
    if (c === '#' && (i === 0 || s[i - 1] === ' ' || s[i - 1] === '\t')) return i;
    // A quote opens a scalar only where a scalar can start (not inside a plain one, as in `it's`).
    if ((c === '"' || c === "'") && (prev === '' || ':-[{,?'.includes(prev))) quote = c;
    if (c !== ' ' && c !== '\t') prev = c;
  }
  return s.length;
}

/** True when a line's value is a block scalar header (`key: |`, `- >-`, `key: &a |2`). */
function opensBlockScalar(text: string): boolean {
  const body = text.slice(0, commentStart(text)).trimEnd();
  return /(?:^\s*|:\s+|(?:^|\s)-\s+)(?:[&!]\S*\s+)*[|>][1-9+-]{0,2}$/.test(body);
}

function analyse(raw: readonly string[]): Line[] {
  const out: Line[] = [];
  let blockAt = -1; // indent of the line that opened a block scalar, -1 outside one
  for (const r of raw) {
    const text = r.endsWith('\r') ? r.slice(0, -1) : r;
    const indent = /^ */.exec(text)![0].length;
    const blank = text.trim() === '';
    if (blockAt >= 0) {
      if (blank || indent > blockAt) {
        out.push({ text, indent, content: !blank });
        continue;
      }
      blockAt = -1;
    }
    const lead = text.slice(indent);
    const content = !blank && !lead.startsWith('#') && !/^(?:---|\.\.\.)(?:\s|$)/.test(text) && !text.startsWith('%');
    if (content && opensBlockScalar(text)) blockAt = indent;
    out.push({ text, indent, content });
  }
  return out;
}

/** The key of a `key: value` line at `indent` and the index just after its colon, or null for other lines. */
function entryAt(text: string, indent: number): { key: string; colon: number } | null {
  const s = text.slice(indent);
  let key: string;
  let i: number;
  if (s[0] === '"' || s[0] === "'") {
    const q = s[0];
    for (i = 1; i < s.length; i++) {
      if (q === '"' && s[i] === '\\') i++;
      else if (s[i] === q) {
        if (q === "'" && s[i + 1] === q) i++;
        else break;
      }
    }
    if (i >= s.length) return null;
    const quoted = s.slice(0, i + 1);
    key = q === "'" ? quoted.slice(1, -1).replaceAll("''", "'") : String(parseYaml(quoted));
    i++;
    while (s[i] === ' ' || s[i] === '\t') i++;
    if (s[i] !== ':') return null;
  } else {
    if (/^(?:[-?:](?:\s|$)|[[\]{}#&*!|>%@`,])/.test(s)) return null;
    const m = /:(?:[ \t]|$)/.exec(s);
    if (!m || commentStart(s) < m.index) return null;
    i = m.index;
    key = s.slice(0, i).trimEnd();
  }
  const colon = indent + i + 1;
  return { key, colon };
}

/** The value text after a key's colon, and its trailing comment with the spaces before it ('' when none). */
function splitRest(text: string, colon: number): { value: string; comment: string } {
  const rest = text.slice(colon);
  const value = rest.slice(0, commentStart(rest)).trim();
  const cut = rest.slice(0, commentStart(rest)).trimEnd().length;
  return { value, comment: rest.slice(cut) };
}

/** End (exclusive) of the entry at line `i`: its nested lines, without trailing blank and comment lines. */
function entryEnd(lines: readonly Line[], i: number, indent: number, end: number, emptyValue: boolean): number {
  let last = i;
  for (let j = i + 1; j < end; j++) {
    const l = lines[j]!;
    if (!l.content) continue;
    // `key:` may be followed by its list at the same indent (`- a`).
    const sameIndentItem = emptyValue && l.indent === indent && /^-(?:\s|$)/.test(l.text.slice(indent));
    if (l.indent <= indent && !sameIndentItem) break;
    last = j;
  }
  return last + 1;
}

/** Spaces per nesting level used by the file (2 when it has no nested mapping to tell). */
function indentStep(lines: readonly Line[]): number {
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    if (!l.content) continue;
    const e = entryAt(l.text, l.indent);
    if (!e || splitRest(l.text, e.colon).value !== '') continue;
    let j = i + 1;
    while (j < lines.length && !lines[j]!.content) j++;
    const next = lines[j];
    if (next && next.indent > l.indent) return Math.min(8, next.indent - l.indent);
  }
  return 2;
}

/** The lines of `key: value` at `indent`. */
function renderEntry(key: string, value: unknown, indent: number, step: number): string[] {
  return dumpYaml({ [key]: value }, step).trimEnd().split('\n').map((l) => pad(indent, l));
}

/** The lines that replace an entry: its own key text up to the colon, the new value, the old trailing comment. */
function renderValue(head: string, comment: string, value: unknown, indent: number, step: number): string[] {
  const [first = '', ...more] = dumpYaml({ x: value }, step).trimEnd().split('\n');
  return [head + first.slice(2) + comment, ...more.map((l) => pad(indent, l))];
}

/**
 * Plans the edit of `path` inside the block mapping on lines [start, end) whose parent is at `parentIndent`;
 * `current` is the mapping's parsed data. Null when those lines are not a block mapping.
 */
function plan(
  lines: readonly Line[],
  start: number,
  end: number,
  parentIndent: number,
  path: YamlPath,
  value: unknown,
  current: Obj,
  step: number,
): Planned | null {
  const [key, ...rest] = path;
  if (key === undefined) return { edits: [], emptied: false };
  const nested = (v: unknown) => rest.reduceRight<unknown>((acc, k) => ({ [k]: acc }), v);
  let first = -1;
  let last = -1;
  for (let i = start; i < end; i++) {
    if (!lines[i]!.content) continue;
    if (first < 0) first = i;
    last = i;
  }
  if (first < 0) {
    // No entries yet (an empty or comment-only file): add after the last non-blank line.
    if (value === undefined) return { edits: [], emptied: false };
    let at = end;
    while (at > start && lines[at - 1]!.text.trim() === '') at--;
    return { edits: [{ at, remove: 0, insert: renderEntry(key, nested(value), parentIndent < 0 ? 0 : parentIndent + step, step) }], emptied: false };
  }
  const indent = lines[first]!.indent;
  if (indent <= parentIndent || !entryAt(lines[first]!.text, indent)) return null;

  for (let i = first; i < end; i++) {
    const l = lines[i]!;
    if (!l.content || l.indent !== indent) continue;
    const e = entryAt(l.text, indent);
    if (!e || e.key !== key) continue;
    const { value: inline, comment } = splitRest(l.text, e.colon);
    const stop = entryEnd(lines, i, indent, end, inline === '');
    const head = l.text.slice(0, e.colon);
    const child = current[key];
    if (rest.length === 0) {
      if (value !== undefined) return { edits: [{ at: i, remove: stop - i, insert: renderValue(head, comment, value, indent, step) }], emptied: false };
      const others = lines.slice(start, end).some((x, j) => x.content && (start + j < i || start + j >= stop));
      return { edits: [{ at: i, remove: stop - i, insert: [] }], emptied: !others };
    }
    if (isObj(child) && inline === '') {
      const inner = plan(lines, i + 1, stop, indent, rest, value, child, step);
      if (inner) {
        // A delete that empties this mapping leaves `key: {}` (not `key:`, which would read as null).
        if (inner.emptied) inner.edits.push({ at: i, remove: 1, insert: [`${head} {}${comment}`] });
        return { edits: inner.edits, emptied: false };
      }
    }
    if (value === undefined && !isObj(child)) return { edits: [], emptied: false };
    const replaced = withValue(isObj(child) ? child : {}, rest, value);
    return { edits: [{ at: i, remove: stop - i, insert: renderValue(head, comment, replaced, indent, step) }], emptied: false };
  }
  if (value === undefined) return { edits: [], emptied: false };
  return { edits: [{ at: last + 1, remove: 0, insert: renderEntry(key, nested(value), indent, step) }], emptied: false };
}

/** True when `text` parses to `expected` (an empty file counts as an empty mapping). */
function holds(text: string, expected: Obj): boolean {
  try {
    return sameData(parseYaml(text) ?? {}, expected);
  } catch {
    return false; // an alias whose anchor the edit replaced, say
  }
}

/**
 * `text` with `value` at `path` (undefined: the key and its nested lines are removed), touching only the lines of
 * that value. Missing parents are added, parents that are not mappings become mappings. Throws a YAMLException
 * when `text` is not valid YAML, and an Error when the edit cannot be made without changing other data.
 */
export function patchYaml(text: string, path: YamlPath, value: unknown): string {
  const before = parseYaml(text);
  const root = isObj(before) ? before : {};
  const expected = withValue(root, path, value);
  if (isObj(before) && sameData(before, expected)) return text;
  // A top-level scalar or list has nothing a mapping could keep.
  if (before !== null && !isObj(before)) return dumpYaml(expected);
  const raw = text.split('\n');
  const cr = text.includes('\r\n') ? '\r' : '';
  const lines = analyse(raw);
  const planned = plan(lines, 0, lines.length, -1, path, value, root, indentStep(lines));
  let out: string;
  if (planned) {
    // Edits are disjoint; applying those further down first keeps the line numbers of the others valid.
    for (const e of planned.edits.sort((a, b) => b.at - a.at)) raw.splice(e.at, e.remove, ...e.insert.map((l) => l + cr));
    out = raw.join('\n');
  } else {
    out = dumpYaml(expected); // a flow mapping `{…}` at the top: rewritten as a block
  }
  if (!holds(out, expected)) {
    throw new Error(
      `config.yaml could not be changed at ${path.join('.')} without changing other keys (anchors or unusual ` +
        'formatting there); make this change in the YAML editor instead.',
    );
  }
  return out;
}
