/**
 * Appends UTF-8 bytes and decimal integers to a growing Buffer: builds large JSON without one string
 * (and one heap object) per field. Strings that repeat (dictionary values) are encoded once by the
 * caller (encode()) and copied as bytes; everything written is ASCII (bytes() takes only buffers made
 * by encode()), so the text is taken out without UTF-8 decoding.
 */
export class ByteWriter {
  buf: Buffer;
  pos = 0;
  private readonly digits = Buffer.allocUnsafe(24);

  constructor(initial = 1 << 18) {
    this.buf = Buffer.allocUnsafe(initial);
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const b = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(b, 0, 0, this.pos);
    this.buf = b;
  }

  /**
   * Encodes a JSON fragment once for repeated use, as pure ASCII: non-ASCII characters (which only
   * occur inside its JSON strings) become \uXXXX escapes, so take() stays a plain byte copy.
   */
  encode(jsonFragment: string): Buffer {
    const ascii = jsonFragment.replace(
      /[\u007f-\uffff]/g,
      (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
    );
    return Buffer.from(ascii, 'latin1');
  }

  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    const { buf } = this;
    let p = this.pos;
    if (b.length < 24) for (let i = 0; i < b.length; i++) buf[p++] = b[i]!;
    else {
      buf.set(b, p);
      p += b.length;
    }
    this.pos = p;
  }

  /** ASCII-only text (constants, ISO timestamps, hex ids). */
  ascii(s: string): void {
    this.ensure(s.length);
    const { buf } = this;
    let p = this.pos;
    for (let i = 0; i < s.length; i++) buf[p++] = s.charCodeAt(i);
    this.pos = p;
  }

  /** A non-negative safe integer (anything else via its JSON text). */
  uint(n: number): void {
    if (!(n >= 0 && n <= Number.MAX_SAFE_INTEGER && Math.floor(n) === n)) {
      this.ascii(JSON.stringify(n));
      return;
    }
    this.ensure(17);
    if (n < 10) {
      this.buf[this.pos++] = 48 + n;
      return;
    }
    const d = this.digits;
    let k = 0;
    while (n > 0) {
      const q = Math.floor(n / 10);
      d[k++] = 48 + (n - q * 10);
      n = q;
    }
    const { buf } = this;
    let p = this.pos;
    while (k > 0) buf[p++] = d[--k]!;
    this.pos = p;
  }

  get length(): number {
    return this.pos;
  }

  /** The bytes written so far (the caller owns them), and starts over on a fresh buffer. */
  takeBytes(): Buffer {
    const b = this.buf.subarray(0, this.pos);
    this.buf = Buffer.allocUnsafe(this.buf.length);
    this.pos = 0;
    return b;
  }

  /** The text written so far (whole UTF-8 sequences only), and starts over. */
  take(): string {
    // ASCII only (see encode): latin1 is a plain byte copy into a one-byte string, no UTF-8 decoding.
    const s = this.buf.toString('latin1', 0, this.pos);
    this.pos = 0;
    return s;
  }
}
