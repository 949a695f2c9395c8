// A streaming reader for one big JSON document (CPA's legacy usage export is a single value, written by CPA as
// one line of compact JSON, and may be gigabytes): it walks the text once, keeps only the chain of open
// containers, and hands back the values found at the paths asked for (e.g. every element of
// usage.apis.*.models.*.details) — each parsed on its own, so memory stays bounded by the largest such value.
// No streaming JSON parser is a dependency of the store; this one only tracks structure and defers the
// parsing of each wanted value to JSON.parse.
import { StringDecoder } from 'node:string_decoder';
import { StoreError } from '../errors';
import { toReadable, type ImportSource } from './line-reader';

/** A slot in the document: an object key, or "[]" for an array element. */
export type JsonPath = readonly string[];

export interface JsonStreamOptions {
  /** Whether the value at `path` is wanted (parsed and yielded whole, not descended into). */
  want(path: JsonPath): boolean;
  /** The largest wanted value, in characters (default 16 MiB). */
  maxValueChars?: number;
  /** For error messages. */
  where: string;
  /** Called as each object or array closes, with its path and how many values it held. */
  onClose?(path: JsonPath, count: number): void;
}

interface Frame {
  arr: boolean;
  /** The key whose value comes next (objects). */
  key: string;
  expectKey: boolean;
  count: number;
}

const WS = new Set([0x20, 0x09, 0x0a, 0x0d]);

/** Yields `{path, value}` for every wanted value, in document order. Throws on a truncated document. */
export async function* streamJsonValues(
  source: ImportSource,
  opts: JsonStreamOptions,
): AsyncGenerator<{ path: string[]; value: unknown }> {
  const maxChars = opts.maxValueChars ?? 16 * 1024 * 1024;
  const stack: Frame[] = [];
  const names: string[] = [];
  let inString = false;
  let escaped = false;
  let stringIsKey = false;
  let keyParts: string[] = [];
  let keyStart = -1;
  let scalar = false;
  let rootDone = false;
  // The wanted value being collected: its text so far, where it started in this chunk, and its depth.
  let capture: {
    parts: string[];
    size: number;
    start: number;
    depth: number;
    path: string[];
    kind: 'container' | 'string' | 'scalar';
  } | null = null;
  const out: { path: string[]; value: unknown }[] = [];

  const slotPath = (): string[] => {
    if (stack.length === 0) return [];
    const top = stack[stack.length - 1]!;
    return [...names, top.arr ? '[]' : top.key];
  };
  const finish = (chunk: string, end: number): void => {
    const c = capture!;
    c.parts.push(chunk.slice(c.start, end));
    capture = null;
    const text = c.parts.join('');
    try {
      out.push({ path: c.path, value: JSON.parse(text) as unknown });
    } catch (cause) {
      throw new StoreError(
        'import_parse_error',
        `${opts.where} holds a value at ${c.path.join('.')} that is not valid JSON: ${(cause as Error).message}`,
        { cause },
      );
    }
  };
  const beginValue = (i: number, kind: 'container' | 'string' | 'scalar'): void => {
    if (stack.length === 0) {
      if (rootDone)
        throw new StoreError(
          'import_parse_error',
          `${opts.where} holds more than one JSON value; expected a single document.`,
        );
    } else stack[stack.length - 1]!.count += 1;
    if (capture) return;
    const path = slotPath();
    if (opts.want(path)) capture = { parts: [], size: 0, start: i, depth: stack.length, path, kind };
  };

  const stream = toReadable(source);
  stream.on('error', () => undefined);
  const decoder = new StringDecoder('utf8');
  const feed = (chunk: string): void => {
    if (capture) capture.start = 0;
    if (stringIsKey && inString) keyStart = 0;
    for (let i = 0; i < chunk.length; i += 1) {
      const ch = chunk.charCodeAt(i);
      if (inString) {
        if (escaped) escaped = false;
        else if (ch === 0x5c) escaped = true;
        else if (ch === 0x22) {
          inString = false;
          if (stringIsKey) {
            keyParts.push(chunk.slice(keyStart, i));
            const top = stack[stack.length - 1]!;
            top.key = JSON.parse(`"${keyParts.join('')}"`) as string;
            keyParts = [];
            stringIsKey = false;
          } else if (capture && capture.kind === 'string' && capture.depth === stack.length) {
            finish(chunk, i + 1);
            if (stack.length === 0) rootDone = true;
          }
        }
        continue;
      }
      if (scalar && (WS.has(ch) || ch === 0x2c || ch === 0x7d || ch === 0x5d)) {
        scalar = false;
        if (capture && capture.kind === 'scalar' && capture.depth === stack.length) finish(chunk, i);
        if (stack.length === 0) rootDone = true;
      }
      if (WS.has(ch)) continue;
      const top = stack[stack.length - 1];
      switch (ch) {
        case 0x22: // "
          inString = true;
          if (top && !top.arr && top.expectKey) {
            stringIsKey = true;
            keyStart = i + 1;
          } else beginValue(i, 'string');
          break;
        case 0x3a: // :
          if (top) top.expectKey = false;
          break;
        case 0x2c: // ,
          if (top && !top.arr) top.expectKey = true;
          break;
        case 0x7b: // {
        case 0x5b: // [
          beginValue(i, 'container');
          if (stack.length > 0) names.push(top!.arr ? '[]' : top!.key);
          stack.push({ arr: ch === 0x5b, key: '', expectKey: ch === 0x7b, count: 0 });
          break;
        case 0x7d: // }
        case 0x5d: // ]
          if (stack.length === 0)
            throw new StoreError(
              'import_parse_error',
              `${opts.where} is not valid JSON: an unmatched "${String.fromCharCode(ch)}".`,
            );
          if (opts.onClose) opts.onClose(names.slice(), stack[stack.length - 1]!.count);
          stack.pop();
          if (stack.length > 0) names.pop();
          if (capture && capture.kind === 'container' && capture.depth === stack.length) finish(chunk, i + 1);
          if (stack.length === 0) rootDone = true;
          break;
        default:
          if (!scalar) {
            scalar = true;
            beginValue(i, 'scalar');
          }
      }
    }
    if (capture) {
      const c = capture as { parts: string[]; size: number; start: number };
      c.parts.push(chunk.slice(c.start));
      c.size += chunk.length - c.start;
      if (c.size > maxChars)
        throw new StoreError(
          'import_parse_error',
          `${opts.where} holds a value larger than ${maxChars} characters at ${capture.path.join('.')}; it is not a usage export.`,
        );
    }
    if (stringIsKey && inString) keyParts.push(chunk.slice(keyStart));
  };
  try {
    for await (const data of stream) {
      feed(typeof data === 'string' ? data : decoder.write(data as Buffer));
      if (out.length > 0) yield* out.splice(0);
    }
    feed(`${decoder.end()} `);
    if (out.length > 0) yield* out.splice(0);
  } catch (error) {
    if (error instanceof StoreError) throw error;
    throw new StoreError('import_source_invalid', `Cannot read ${opts.where}: ${(error as Error).message}`, {
      cause: error,
    });
  } finally {
    stream.destroy();
  }
  if (stack.length > 0 || inString) {
    throw new StoreError(
      'import_parse_error',
      `${opts.where} ends before its JSON document does (truncated at depth ${stack.length}); nothing after the last complete detail was read.`,
    );
  }
}

/**
 * The keys of the top-level object as far as `head` (the first bytes of a file) shows them, and whether the
 * first top-level value ended inside the head and another began after it (then the file is JSONL).
 */
export function topLevelShape(head: string): {
  keys: string[];
  objectKeys: string[];
  multipleValues: boolean;
} {
  const keys: string[] = [];
  const objectKeys: string[] = [];
  let depth = 0;
  let inString = false;
  let escaped = false;
  let keyStart = -1;
  let expectKey = false;
  let lastKey = '';
  let ended = false;
  for (let i = 0; i < head.length; i += 1) {
    const ch = head.charCodeAt(i);
    if (inString) {
      if (escaped) escaped = false;
      else if (ch === 0x5c) escaped = true;
      else if (ch === 0x22) {
        inString = false;
        if (keyStart >= 0) {
          try {
            lastKey = JSON.parse(head.slice(keyStart - 1, i + 1)) as string;
            keys.push(lastKey);
          } catch {
            lastKey = '';
          }
          keyStart = -1;
        }
      }
      continue;
    }
    if (WS.has(ch)) continue;
    if (ended) return { keys, objectKeys, multipleValues: true };
    if (ch === 0x22) {
      inString = true;
      if (depth === 1 && expectKey) keyStart = i + 1;
    } else if (ch === 0x3a && depth === 1) expectKey = false;
    else if (ch === 0x2c && depth === 1) expectKey = true;
    else if (ch === 0x7b || ch === 0x5b) {
      if (depth === 1 && ch === 0x7b) objectKeys.push(lastKey);
      depth += 1;
      if (depth === 1) expectKey = ch === 0x7b;
    } else if (ch === 0x7d || ch === 0x5d) {
      depth -= 1;
      if (depth === 0) ended = true;
    }
  }
  return { keys, objectKeys, multipleValues: false };
}
