/** Minimal RESP2 codec: parses client command arrays (as CPA's readRESPArray does) and encodes replies. */

export type ParseResult =
  { kind: 'command'; args: string[] } | { kind: 'incomplete' } | { kind: 'error'; message: string };

const CRLF = Buffer.from('\r\n');

/** Incremental parser over the bytes of one connection. Only arrays are valid commands. */
export class RespParser {
  private buf: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): void {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
  }

  next(): ParseResult {
    if (this.buf.length === 0) return { kind: 'incomplete' };
    if (this.buf[0] !== 0x2a /* '*' */) return { kind: 'error', message: 'protocol error' };
    let pos = 1;
    const line = (): string | null => {
      const nl = this.buf.indexOf(0x0a, pos);
      if (nl < 0) return null;
      let end = nl;
      if (end > pos && this.buf[end - 1] === 0x0d) end--;
      const s = this.buf.toString('utf8', pos, end);
      pos = nl + 1;
      return s;
    };
    const header = line();
    if (header === null) return { kind: 'incomplete' };
    const count = Number.parseInt(header, 10);
    if (!/^-?\d+$/.test(header) || count < 0) return { kind: 'error', message: 'protocol error' };
    const args: string[] = [];
    for (let i = 0; i < count; i++) {
      if (pos >= this.buf.length) return { kind: 'incomplete' };
      const prefix = this.buf[pos];
      pos++;
      if (prefix === 0x24 /* '$' */) {
        const lenLine = line();
        if (lenLine === null) return { kind: 'incomplete' };
        if (!/^-?\d+$/.test(lenLine)) return { kind: 'error', message: 'protocol error' };
        const len = Number.parseInt(lenLine, 10);
        if (len < 0) {
          args.push('');
          continue;
        }
        if (this.buf.length < pos + len + 2) return { kind: 'incomplete' };
        if (this.buf[pos + len] !== 0x0d || this.buf[pos + len + 1] !== 0x0a) {
          return { kind: 'error', message: 'protocol error' };
        }
        args.push(this.buf.toString('utf8', pos, pos + len));
        pos += len + 2;
      } else if (prefix === 0x2b /* '+' */ || prefix === 0x3a /* ':' */) {
        const s = line();
        if (s === null) return { kind: 'incomplete' };
        args.push(s);
      } else {
        return { kind: 'error', message: 'protocol error' };
      }
    }
    this.buf = this.buf.subarray(pos);
    return { kind: 'command', args };
  }
}

export const resp = {
  simple: (s: string): Buffer => Buffer.from(`+${s}\r\n`),
  error: (s: string): Buffer => Buffer.from(`-${s}\r\n`),
  integer: (n: number): Buffer => Buffer.from(`:${n}\r\n`),
  nil: (): Buffer => Buffer.from('$-1\r\n'),
  bulk(s: string | null): Buffer {
    if (s === null) return resp.nil();
    const body = Buffer.from(s, 'utf8');
    return Buffer.concat([Buffer.from(`$${body.length}\r\n`), body, CRLF]);
  },
  array(items: Buffer[]): Buffer {
    return Buffer.concat([Buffer.from(`*${items.length}\r\n`), ...items]);
  },
  bulkArray(items: string[]): Buffer {
    return resp.array(items.map((s) => resp.bulk(s)));
  },
};
