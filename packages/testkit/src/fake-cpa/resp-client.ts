/** A raw RESP2 test client (no Redis library): send command arrays, read typed replies in order. */
import { connect, type Socket } from 'node:net';
import { TestkitError } from '../errors';

export class RespReplyError {
  constructor(readonly message: string) {}
}

export type RespReply = string | number | null | RespReplyError | RespReply[];

type Parsed = { value: RespReply; end: number } | null;

function parseReply(buf: Buffer, pos: number): Parsed {
  if (pos >= buf.length) return null;
  const nl = buf.indexOf('\r\n', pos);
  if (nl < 0) return null;
  const type = String.fromCharCode(buf[pos] as number);
  const line = buf.toString('utf8', pos + 1, nl);
  const after = nl + 2;
  switch (type) {
    case '+':
      return { value: line, end: after };
    case '-':
      return { value: new RespReplyError(line), end: after };
    case ':':
      return { value: Number(line), end: after };
    case '$': {
      const len = Number(line);
      if (len < 0) return { value: null, end: after };
      if (buf.length < after + len + 2) return null;
      return { value: buf.toString('utf8', after, after + len), end: after + len + 2 };
    }
    case '*': {
      const n = Number(line);
      if (n < 0) return { value: null, end: after };
      const items: RespReply[] = [];
      let p = after;
      for (let i = 0; i < n; i++) {
        const r = parseReply(buf, p);
        if (!r) return null;
        items.push(r.value);
        p = r.end;
      }
      return { value: items, end: p };
    }
    default:
      throw new TestkitError(
        'resp_protocol_error',
        `RESP test client: unexpected reply type byte '${type}' at offset ${pos}; the peer is not speaking RESP2 (is the port the fake CPA's?)`,
      );
  }
}

export function encodeCommand(args: string[]): Buffer {
  const parts = [Buffer.from(`*${args.length}\r\n`)];
  for (const a of args) {
    const b = Buffer.from(a, 'utf8');
    parts.push(Buffer.from(`$${b.length}\r\n`), b, Buffer.from('\r\n'));
  }
  return Buffer.concat(parts);
}

export interface RespTestClient {
  readonly socket: Socket;
  send(...args: string[]): void;
  sendRaw(data: string | Buffer): void;
  /** The next reply (or pushed message); rejects after timeoutMs or when the connection closes first. */
  next(timeoutMs?: number): Promise<RespReply>;
  call(...args: string[]): Promise<RespReply>;
  /** Resolves when the server closes the connection. */
  readonly closed: Promise<void>;
  isClosed(): boolean;
  close(): void;
}

export async function connectResp(port: number, host = '127.0.0.1'): Promise<RespTestClient> {
  const socket = connect(port, host);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  let buf = Buffer.alloc(0);
  const replies: RespReply[] = [];
  const waiters: { resolve: (r: RespReply) => void; reject: (e: Error) => void }[] = [];
  let isClosed = false;
  let protocolError: TestkitError | null = null;
  let onClosed: () => void = () => {};
  const closed = new Promise<void>((r) => (onClosed = r));
  socket.on('data', (chunk: Buffer) => {
    buf = Buffer.concat([buf, chunk]);
    for (;;) {
      let r: Parsed;
      try {
        r = parseReply(buf, 0);
      } catch (e) {
        // A garbled stream cannot be resynchronised: fail every waiter and drop the connection.
        protocolError = e as TestkitError;
        for (const w of waiters.splice(0)) w.reject(protocolError);
        socket.destroy();
        return;
      }
      if (!r) break;
      buf = buf.subarray(r.end);
      const w = waiters.shift();
      if (w) w.resolve(r.value);
      else replies.push(r.value);
    }
  });
  socket.on('error', () => {});
  socket.on('close', () => {
    isClosed = true;
    for (const w of waiters.splice(0))
      w.reject(
        new TestkitError(
          'resp_connection_closed',
          'RESP test client: connection closed before a reply arrived',
        ),
      );
    onClosed();
  });
  const client: RespTestClient = {
    socket,
    send: (...args) => void socket.write(encodeCommand(args)),
    sendRaw: (data) => void socket.write(data),
    next(timeoutMs = 2000) {
      const ready = replies.shift();
      if (ready !== undefined) return Promise.resolve(ready);
      if (protocolError) return Promise.reject(protocolError);
      if (isClosed) {
        return Promise.reject(
          new TestkitError('resp_connection_closed', 'RESP test client: connection is closed'),
        );
      }
      return new Promise<RespReply>((resolve, reject) => {
        const w = {
          resolve: (r: RespReply) => {
            clearTimeout(t);
            resolve(r);
          },
          reject: (e: Error) => {
            clearTimeout(t);
            reject(e);
          },
        };
        const t = setTimeout(() => {
          const i = waiters.indexOf(w);
          if (i >= 0) waiters.splice(i, 1);
          reject(
            new TestkitError(
              'resp_timeout',
              `RESP test client: no reply within ${timeoutMs} ms; pass a larger timeoutMs to next() if the server is slow`,
            ),
          );
        }, timeoutMs);
        waiters.push(w);
      });
    },
    call(...args) {
      client.send(...args);
      return client.next();
    },
    closed,
    isClosed: () => isClosed,
    close: () => socket.destroy(),
  };
  return client;
}
