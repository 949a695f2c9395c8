// One ioredis connection configured for CPA's tiny RESP subset: AUTH is the very first command on the
// wire and nothing else is sent on connect (no HELLO, INFO ready check, SELECT, CLIENT SETNAME/SETINFO),
// because CPA counts any command before AUTH as a failed login toward its 5-strike IP ban.
import type { Redis } from 'ioredis';
import { abortable } from '../abortable';
import type { RespTarget } from './transport';

export interface RespEndpoint {
  host: string;
  port: number;
  tls: boolean;
}

export function respEndpoint(baseUrl: string): RespEndpoint {
  const u = new URL(baseUrl);
  const tls = u.protocol === 'https:' || u.protocol === 'rediss:';
  const port = u.port ? Number(u.port) : tls ? 443 : 80;
  return { host: u.hostname.replace(/^\[|\]$/g, ''), port, tls };
}

/**
 * Connects and authenticates; rejects with CPA's own error text on a failed AUTH, or with AbortedError
 * when `signal` aborts first (connect and AUTH consume nothing, so giving up on them is safe).
 */
export async function connectResp(target: RespTarget, signal?: AbortSignal): Promise<Redis> {
  const ep = respEndpoint(target.baseUrl);
  // Loaded on the first RESP connection, not with the package: HTTP-only collectors and a server's start
  // (P7, cold start) skip ioredis' ~1 MB of modules.
  const mod = await import('ioredis');
  // Node gives the CommonJS package's named exports; a bundle's dynamic import gives them under `default` only.
  const RedisClient = mod.Redis ?? (mod as unknown as { default: typeof mod }).default.Redis;
  const redis = new RedisClient({
    host: ep.host,
    port: ep.port,
    lazyConnect: true,
    protocol: 2 as const, // ioredis 6 defaults to HELLO 3, which CPA rejects (and counts as a failed login)
    enableReadyCheck: false, // no INFO
    disableClientInfo: true, // no CLIENT SETINFO
    // connectionName left unset: no CLIENT SETNAME
    db: 0, // no SELECT
    autoResubscribe: false, // the engine resubscribes itself (and records the gap)
    autoResendUnfulfilledCommands: false,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null, // reconnects are the engine's job (backoff, gap bookkeeping)
    reconnectOnError: () => false,
    connectTimeout: target.connectTimeoutMs,
    keepAlive: 30_000,
    ...(ep.tls ? { tls: { rejectUnauthorized: !target.tlsSkipVerify, servername: ep.host } } : {}),
  });
  // Errors also surface through command promises; keep ioredis from printing unhandled 'error' events.
  // The socket-level cause (TLS, refused, …) arrives as an 'error' event; keep it for a useful message.
  let socketError: Error | null = null;
  redis.on('error', (e: Error) => {
    socketError = e;
  });
  const handshake = async (): Promise<void> => {
    await redis.connect();
    // Our own AUTH, first and alone: its reply is checked before anything else is sent.
    await redis.call('AUTH', target.managementKey);
  };
  try {
    await (signal ? abortable(handshake(), signal) : handshake());
  } catch (e) {
    redis.disconnect(false);
    const generic = e instanceof Error && /Connection is closed/i.test(e.message);
    throw generic && socketError ? socketError : e;
  }
  return redis;
}

/** Resolves when the connection is gone (closed by CPA, network, or us). */
export function whenClosed(redis: Redis): Promise<void> {
  return new Promise((resolve) => {
    if (redis.status === 'end' || redis.status === 'close') return resolve();
    redis.once('end', () => resolve());
    redis.once('close', () => resolve());
  });
}
