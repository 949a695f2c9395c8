import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { StoreError } from '../errors';

export type ImportSource =
  string | Readable | AsyncIterable<string | Uint8Array> | Iterable<string | Uint8Array>;

export function toReadable(source: ImportSource): Readable {
  if (typeof source === 'string') return createReadStream(source);
  if (source instanceof Readable) return source;
  return Readable.from(source);
}

/** Streams lines with 1-based numbers; bounded memory (one line at a time, capped length). */
export async function* readLines(
  source: ImportSource,
  maxLineBytes = 10 * 1024 * 1024,
): AsyncGenerator<{ line: string; no: number }> {
  const stream = toReadable(source);
  const where = typeof source === 'string' ? source : 'the import stream';
  stream.on('error', () => {});
  const rl = createInterface({ input: stream, crlfDelay: Infinity });
  let no = 0;
  try {
    for await (const line of rl) {
      no++;
      if (line.length > maxLineBytes) {
        throw new StoreError(
          'import_parse_error',
          `Line ${no} of ${where} is longer than ${maxLineBytes} bytes; the file is not JSONL.`,
        );
      }
      yield { line, no };
    }
  } catch (e) {
    if (e instanceof StoreError) throw e;
    throw new StoreError('import_source_invalid', `Cannot read ${where}: ${(e as Error).message}`, {
      cause: e,
    });
  } finally {
    rl.close();
    stream.destroy();
  }
}

/** The first `n` bytes of a file or stream source as text (for format detection). */
export async function peekFile(path: string, n = 65536): Promise<string> {
  const stream = createReadStream(path, { start: 0, end: n - 1 });
  let out = '';
  for await (const chunk of stream) out += (chunk as Buffer).toString('utf8');
  return out;
}
