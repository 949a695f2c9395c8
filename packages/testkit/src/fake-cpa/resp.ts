/** CPA's RESP usage-queue protocol on the shared port (redis_queue_protocol.go semantics). */
import type { Socket } from 'node:net';
import { BAN_PREFIX, isLocalIp, normalizeIp, type ManagementAuth } from './auth';
import { RespParser, resp } from './resp-codec';
import {
  SUBSCRIBER_BUFFER,
  SUPPORT_REFRESH_PAYLOAD,
  type Channel,
  type SubscriberSink,
  type UsageBus,
} from './usage-queue';
import type { FakeFaults } from './types';
import { gates } from './version';

export interface RespDeps {
  auth: ManagementAuth;
  bus: UsageBus;
  version(): string | null;
  faults(): FakeFaults | null;
  /** False when no management key is configured: CPA then closes RESP connections. */
  enabled(): boolean;
  onCommand(): void;
}

/** Writes to one subscribed socket; messages wait in a 256-slot buffer while the socket is congested. */
class SocketSubscriber implements SubscriberSink {
  private readonly out: { buf: Buffer; message: boolean }[] = [];
  private pendingMessages = 0;
  private blocked = false;
  private closed = false;
  private closeAfterFlush = false;

  constructor(
    private readonly socket: Socket,
    private readonly channel: Channel,
  ) {
    socket.on('drain', () => {
      this.blocked = false;
      this.pump();
    });
  }

  offer(payload: string): boolean {
    if (this.closed) return true;
    if (this.pendingMessages >= SUBSCRIBER_BUFFER) return false;
    this.out.push({ buf: resp.bulkArray(['message', this.channel, payload]), message: true });
    this.pendingMessages++;
    this.pump();
    return true;
  }

  reply(buf: Buffer, thenClose = false): void {
    this.out.push({ buf, message: false });
    this.pump();
    if (thenClose) this.endWhenFlushed();
  }

  drop(): void {
    this.closed = true;
    this.socket.destroy();
  }

  private endWhenFlushed(): void {
    this.closeAfterFlush = true;
    this.pump();
  }

  private pump(): void {
    while (!this.blocked && this.out.length > 0 && !this.socket.destroyed) {
      const next = this.out.shift() as { buf: Buffer; message: boolean };
      if (next.message) this.pendingMessages--;
      // write() returning false means the socket's buffer is full, like a blocked Go writer.
      if (!this.socket.write(next.buf)) this.blocked = true;
    }
    if (this.closeAfterFlush && this.out.length === 0 && !this.closed) {
      this.closed = true;
      this.socket.end();
    }
  }
}

export function handleRespConnection(socket: Socket, deps: RespDeps): void {
  const version = deps.version();
  if (!gates.respQueue(version)) {
    socket.destroy(); // before v6.9.38 there was no RESP on the main port
    return;
  }
  const faults = deps.faults();
  if (faults?.resetConnections && !faults.pathPrefix) {
    socket.resetAndDestroy();
    return;
  }
  if (gates.respDisabled(version)) {
    socket.end(resp.error('ERR RESP AUTH disabled; use mTLS'));
    return;
  }

  const ip = normalizeIp(socket.remoteAddress);
  const local = isLocalIp(ip);
  const parser = new RespParser();
  let authed = false;
  let subscriber: SocketSubscriber | null = null;
  let unsubscribe: (() => void) | null = null;
  let busy = false;
  let done = false;
  let channelOf = '';

  const finish = () => {
    done = true;
    unsubscribe?.();
    unsubscribe = null;
  };
  socket.on('close', finish);
  socket.on('error', () => socket.destroy());

  const write = (buf: Buffer) => {
    if (!socket.destroyed) socket.write(buf);
  };

  const subscriptionCommand = (args: string[]) => {
    const sub = subscriber as SocketSubscriber;
    if (args.length === 0) return sub.reply(resp.error('ERR empty command'));
    const cmd = (args[0] ?? '').trim().toUpperCase();
    if (cmd === 'PING') {
      // CPA writes a nil bulk when PING has no argument.
      return sub.reply(
        resp.array([resp.bulk('pong'), resp.bulk(args.length > 1 ? (args[1] as string) : null)]),
      );
    }
    if (cmd === 'UNSUBSCRIBE') {
      finish();
      return sub.reply(resp.array([resp.bulk('unsubscribe'), resp.bulk(channelOf), resp.integer(0)]), true);
    }
    if (cmd === 'QUIT') {
      finish();
      return sub.reply(resp.simple('OK'), true);
    }
    return sub.reply(resp.error(`ERR unknown command '${cmd.toLowerCase()}'`));
  };
  const command = (args: string[]) => {
    if (args.length === 0) return write(resp.error('ERR empty command'));
    const cmd = (args[0] ?? '').trim().toUpperCase();
    if (cmd !== 'AUTH' && !authed) {
      // CPA authenticates an empty key here, so every pre-AUTH command is a failed login.
      const r = deps.auth.authenticate(ip, local, '');
      if (!r.ok && r.status === 403 && r.message.startsWith(BAN_PREFIX))
        return write(resp.error(`ERR ${r.message}`));
      return write(resp.error('NOAUTH Authentication required.'));
    }
    switch (cmd) {
      case 'AUTH': {
        const password = args.length === 2 ? args[1] : args.length === 3 ? args[2] : undefined;
        if (password === undefined) {
          const r = deps.auth.authenticate(ip, local, '');
          if (!r.ok && r.status === 403 && r.message.startsWith(BAN_PREFIX))
            return write(resp.error(`ERR ${r.message}`));
          return write(resp.error("ERR wrong number of arguments for 'auth' command"));
        }
        const r = deps.auth.authenticate(ip, local, password);
        if (!r.ok) return write(resp.error(`ERR ${r.message}`));
        authed = true;
        return write(resp.simple('OK'));
      }
      case 'SUBSCRIBE': {
        const v = deps.version();
        if (!gates.subscribe(v)) break;
        if (args.length !== 2)
          return write(resp.error("ERR wrong number of arguments for 'subscribe' command"));
        const name = (args[1] ?? '').trim();
        const lower = name.toLowerCase();
        if (lower !== 'usage' && !(lower === 'errors' && gates.errorsChannel(v))) {
          return write(resp.error(`ERR unsupported channel '${name}'`));
        }
        const channel = lower as Channel;
        channelOf = name;
        const sub = new SocketSubscriber(socket, channel);
        subscriber = sub;
        sub.reply(resp.array([resp.bulk('subscribe'), resp.bulk(name), resp.integer(1)]));
        if (channel === 'usage' && gates.refreshControl(v)) sub.offer(SUPPORT_REFRESH_PAYLOAD);
        unsubscribe = deps.bus.subscribe(channel, sub);
        return;
      }
      case 'LPOP':
      case 'RPOP': {
        if (args.length !== 2 && args.length !== 3) {
          return write(resp.error(`ERR wrong number of arguments for '${cmd.toLowerCase()}' command`));
        }
        let count = 1;
        if (args.length === 3) {
          const raw = (args[2] ?? '').trim();
          count = /^[+-]?\d+$/.test(raw) ? Number.parseInt(raw, 10) : 0;
        }
        if (count <= 0) return write(resp.error('ERR value is not an integer or out of range'));
        const key = (args[1] ?? '').trim();
        if (key.toLowerCase() !== 'usage') return write(resp.error(`ERR unsupported channel '${key}'`));
        const items = deps.bus.popOldest(count); // LPOP and RPOP both pop the OLDEST records
        if (args.length === 3) return write(resp.bulkArray(items));
        return write(items.length === 0 ? resp.nil() : resp.bulk(items[0] as string));
      }
      default:
        break;
    }
    return write(resp.error(`ERR unknown command '${cmd.toLowerCase()}'`));
  };

  const drain = async () => {
    if (busy) return;
    busy = true;
    try {
      while (!done && !socket.destroyed) {
        if (!deps.enabled()) {
          socket.destroy();
          break;
        }
        const parsed = parser.next();
        if (parsed.kind === 'incomplete') break;
        if (parsed.kind === 'error') {
          const msg = resp.error(`ERR ${parsed.message}`);
          if (subscriber) subscriber.reply(msg, true);
          else socket.end(msg);
          finish();
          break;
        }
        deps.onCommand();
        const delay = deps.faults();
        if (delay?.delayMs && !delay.pathPrefix) await new Promise((r) => setTimeout(r, delay.delayMs));
        if (subscriber) subscriptionCommand(parsed.args);
        else command(parsed.args);
      }
    } finally {
      busy = false;
    }
  };

  socket.on('data', (chunk: Buffer) => {
    parser.push(chunk);
    void drain();
  });
}
