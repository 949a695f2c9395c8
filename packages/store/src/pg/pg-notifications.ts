// LISTEN / NOTIFY on the channel `cpamp_events`: after each committed insert batch the store notifies a
// small JSON (its schema, its instance id and the batch's ids, delta-coded); every other instance on the
// same database and schema hears it on a dedicated connection and can show the batch on its live feed.
import { sql } from 'kysely';
import type { Client } from 'pg';
import type { StoredEventSummary } from '../events/events.repository';
import type {
  InsertNotice,
  NotificationSubscription,
  StoreNotifications,
} from '../notifications/store-notifications';
import type { StoreLogger } from '../types';
import type { PgDb } from './pg-connection';
import { EVENT_SELECT, PgNames, type PgEventRow } from './pg-event-row';

export const NOTIFY_CHANNEL = 'cpamp_events';
/** Postgres refuses payloads of 8000 bytes or more; above this a notice names an id range instead. */
const MAX_PAYLOAD = 7_500;
const RECONNECT_MIN_MS = 500;
const RECONNECT_MAX_MS = 5_000;

interface Payload {
  v: 1;
  /** schema: two installs in one database must not hear each other. */
  s: string;
  i: string;
  /** first id and deltas to the next ones, or the range and count of a large batch. */
  f?: number;
  d?: number[];
  r?: [number, number];
  n?: number;
}

/** The payload for a batch (exported for tests). */
export function noticePayload(schema: string, instanceId: string, summaries: readonly StoredEventSummary[]): string {
  const ids = summaries.map((s) => s.id).sort((a, b) => a - b);
  const first = ids[0]!;
  const d = ids.slice(1).map((id, k) => id - ids[k]!);
  const full = JSON.stringify({ v: 1, s: schema, i: instanceId, f: first, d } satisfies Payload);
  if (full.length <= MAX_PAYLOAD) return full;
  return JSON.stringify({ v: 1, s: schema, i: instanceId, r: [first, ids[ids.length - 1]!], n: ids.length } satisfies Payload);
}

/** The notice in a payload, or null when it is not ours to hear (other schema, own instance, malformed). */
export function parseNotice(payload: string, schema: string, ownId: string): InsertNotice | null {
  let p: Payload;
  try {
    p = JSON.parse(payload) as Payload;
  } catch {
    return null;
  }
  if (!p || p.v !== 1 || p.s !== schema || typeof p.i !== 'string' || p.i === ownId) return null;
  if (typeof p.f === 'number' && Array.isArray(p.d)) {
    const ids = [p.f];
    for (const step of p.d) if (typeof step === 'number') ids.push(ids[ids.length - 1]! + step);
    return { instanceId: p.i, ids, fromId: ids[0]!, toId: ids[ids.length - 1]!, count: ids.length };
  }
  if (Array.isArray(p.r) && typeof p.r[0] === 'number' && typeof p.r[1] === 'number')
    return { instanceId: p.i, ids: null, fromId: p.r[0], toId: p.r[1], count: typeof p.n === 'number' ? p.n : 0 };
  return null;
}

export interface PgNotifications extends StoreNotifications {
  /** Sends the notice of a committed batch (the store calls it from events.onInserted). */
  notify(summaries: readonly StoredEventSummary[]): void;
  close(): Promise<void>;
}

export function createPgNotifications(deps: {
  db: PgDb;
  connectionString: string;
  schema: string;
  instanceId: string;
  logger: StoreLogger;
}): PgNotifications {
  const { db, schema, instanceId, logger } = deps;
  const names = new PgNames();
  const listeners = new Set<(n: InsertNotice) => void>();
  let client: Client | null = null;
  let connecting: Promise<void> | null = null;
  let retryTimer: NodeJS.Timeout | null = null;
  let retryMs = RECONNECT_MIN_MS;
  let closed = false;
  // Notifies in commit order: a batch's notice is sent after the one before it.
  let sending: Promise<unknown> = Promise.resolve();

  const deliver = (payload: string | undefined) => {
    const notice = payload ? parseNotice(payload, schema, instanceId) : null;
    if (!notice) return;
    for (const l of listeners) {
      try {
        l(notice);
      } catch (err) {
        logger.warn({ err }, 'store notification listener failed');
      }
    }
  };

  const scheduleReconnect = () => {
    if (closed || listeners.size === 0 || retryTimer) return;
    retryTimer = setTimeout(() => {
      retryTimer = null;
      void connect().catch(() => {});
    }, retryMs);
    retryTimer.unref();
    retryMs = Math.min(RECONNECT_MAX_MS, retryMs * 2);
  };

  const connect = (): Promise<void> => {
    if (client) return Promise.resolve();
    connecting ??= (async () => {
      const { default: pg } = await import('pg');
      const c = new pg.Client({ connectionString: deps.connectionString });
      let lost = false;
      const onLost = (err?: Error) => {
        if (lost) return;
        lost = true;
        if (client === c) client = null;
        c.removeAllListeners('notification');
        c.end().catch(() => {});
        if (!closed) {
          logger.warn({ err }, 'store notification connection lost; reconnecting');
          scheduleReconnect();
        }
      };
      c.on('error', onLost);
      c.on('end', () => onLost());
      c.on('notification', (msg) => {
        if (msg.channel === NOTIFY_CHANNEL) deliver(msg.payload);
      });
      try {
        await c.connect();
        await c.query(`LISTEN ${NOTIFY_CHANNEL}`);
      } catch (err) {
        onLost(err as Error);
        throw err;
      }
      if (closed || listeners.size === 0) {
        lost = true;
        await c.end().catch(() => {});
        return;
      }
      client = c;
      retryMs = RECONNECT_MIN_MS;
    })().finally(() => {
      connecting = null;
    });
    return connecting;
  };

  const disconnect = async () => {
    if (retryTimer) clearTimeout(retryTimer);
    retryTimer = null;
    await connecting?.catch(() => {});
    const c = client;
    client = null;
    if (c) {
      c.removeAllListeners();
      c.on('error', () => {});
      await c.end().catch(() => {});
    }
  };

  return {
    instanceId,
    listen(listener): NotificationSubscription {
      listeners.add(listener);
      const ready = connect().catch((err: unknown) => {
        // Retried in the background; a caller awaiting `ready` learns that the first attempt failed.
        throw err;
      });
      ready.catch(() => {});
      return {
        ready,
        async close() {
          listeners.delete(listener);
          if (listeners.size === 0) await disconnect();
        },
      };
    },
    async eventsOf(notice) {
      const where = notice.ids
        ? sql`e.id = ANY(${notice.ids}::bigint[])`
        : sql`e.id BETWEEN ${notice.fromId} AND ${notice.toId}`;
      const found = (await sql<PgEventRow>`${EVENT_SELECT} WHERE ${where} ORDER BY e.id`.execute(db)).rows;
      return names.decode(db, found);
    },
    notify(summaries) {
      if (closed || summaries.length === 0) return;
      const payload = noticePayload(schema, instanceId, summaries);
      sending = sending
        .then(() => sql`SELECT pg_notify(${NOTIFY_CHANNEL}, ${payload})`.execute(db))
        .catch((err: unknown) => logger.warn({ err }, 'store could not notify other instances of a batch'));
    },
    async close() {
      closed = true;
      listeners.clear();
      await sending;
      await disconnect();
    },
  };
}
