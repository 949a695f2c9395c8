// The live feed behind GET /v0/management/events/stream: a bounded ring of recent events (usage rows the
// collector committed, collector state changes, coverage gaps) with monotonically increasing ids, so a
// reconnecting client can replay what it missed with Last-Event-ID. Nothing here touches the database.
import type { StoredEvent, StoredEventSummary, UsageEventInput } from '@cpamp/store';
import type { ServerStore } from '../server-store';
import type { CollectorHost } from '../collector-host';

export type LiveKind = 'usage' | 'collector' | 'gap' | 'alert' | 'pool' | 'job';

/** What the stream filters on (usage rows only; collector and gap events always pass). */
export interface LiveMatch {
  apiKeyHash: string;
  authIndex: string;
  model: string;
  provider: string;
  statusCode: number;
  failed: boolean;
  /** The CPA the row came from ("default" for the default CPA). */
  upstream: string;
}

export interface LiveEntry {
  id: number;
  kind: LiveKind;
  /** Pre-serialised JSON, shared by every client. */
  data: string;
  match: LiveMatch | null;
}

export interface LiveHub {
  /**
   * Feeds the ring from the collector's own events ('committed', 'state', 'gap', via CollectorHost.on) and
   * takes the row ids from the store's onInserted hook (no DB reads). Call once; close() detaches.
   */
  attach(source: { store: Pick<ServerStore, 'events'> | null; collector: LiveCollectorSource | null }): void;
  /** Entries after `lastId` still in the ring; `truncated` when some were already dropped. */
  since(lastId: number): { entries: LiveEntry[]; truncated: boolean };
  /** Publishes usage rows another instance inserted (heard through the store's notifications). */
  relay(events: readonly StoredEvent[]): void;
  /** Publishes an alert, pool or background-job event (always passes the stream's usage filters). */
  publish(kind: 'alert' | 'pool' | 'job', payload: unknown): void;
  subscribe(listener: (entry: LiveEntry) => void): () => void;
  subscribers(): number;
  /** Current collector status as a `collector` payload (sent first on every connect). */
  collectorSnapshot(): string;
  lastId(): number;
  close(): void;
}

/** What the hub needs of the collector host (CollectorHost satisfies it). */
export type LiveCollectorSource = Pick<CollectorHost, 'status' | 'on'> & {
  /** Several CPAs: every CPA's collector status (upstreams/live-source.ts). */
  statuses?: () => { name: string; status: ReturnType<CollectorHost['status']> }[];
};

export interface LiveHubOptions {
  capacity?: number;
  now?: () => number;
}

export function createLiveHub(opts: LiveHubOptions = {}): LiveHub {
  const capacity = Math.max(1, opts.capacity ?? 5_000);
  const now = opts.now ?? Date.now;
  const ring: (LiveEntry | undefined)[] = new Array<LiveEntry | undefined>(capacity);
  let count = 0;
  // Ids start from the boot time (µs scale), so ids from a previous process are always older than ours
  // and a reconnect after a restart is reported as truncated rather than silently matching wrong ids.
  let seq = now() * 1000;
  const listeners = new Set<(entry: LiveEntry) => void>();
  let host: LiveCollectorSource | null = null;
  let lastStateKey = '';
  const detach: (() => void)[] = [];
  // Summaries the store reported since the last 'committed' (the collector emits 'committed' right after
  // its insertBatch resolved, i.e. within the same macrotask); anything left over (e.g. an import) is
  // dropped on the next turn of the event loop so nothing accumulates.
  let pending: StoredEventSummary[] = [];
  let clearScheduled = false;

  const publish = (kind: LiveKind, payload: unknown, match: LiveMatch | null): void => {
    seq += 1;
    const entry: LiveEntry = { id: seq, kind, data: JSON.stringify(payload), match };
    ring[count % capacity] = entry;
    count += 1;
    for (const l of listeners) l(entry);
  };

  /** The default CPA's collector block, and with several CPAs every CPA's (`upstreams`, each with its name). */
  const snapshot = () => {
    const all = host?.statuses?.() ?? [];
    const main = statusBlock(host?.status() ?? null);
    return all.length > 1 ? { ...main, upstreams: all.map((u) => ({ name: u.name, ...statusBlock(u.status) })) } : main;
  };

  const statusBlock = (s: ReturnType<CollectorHost['status']>) => {
    if (!s)
      return {
        state: 'stopped',
        mode: null,
        transport: null,
        lastConsumedAt: null,
        lastInsertedAt: null,
        lastError: null,
        sinkFailing: false,
        counters: null,
        atMs: now(),
      };
    return {
      state: s.state,
      mode: s.mode,
      transport: s.transport,
      cpaVersion: s.cpaVersion,
      lastConsumedAt: s.lastConsumedAt,
      lastInsertedAt: s.lastInsertedAt,
      lastError: s.lastError,
      sinkFailing: s.sinkFailing,
      backoffMs: s.backoffMs,
      counters: s.counters,
      atMs: now(),
    };
  };

  const stateKey = (s: ReturnType<CollectorHost['status']>) =>
    s ? `${s.state}|${s.transport ?? ''}|${s.lastError?.atMs ?? 0}|${s.sinkFailing}` : 'none';
  const onState = (): void => {
    const all = host?.statuses?.();
    // Any CPA's collector changing publishes the whole status (one key over every CPA).
    const key = all && all.length > 1 ? all.map((u) => `${u.name}:${stateKey(u.status)}`).join(',') : stateKey(host?.status() ?? null);
    if (key === lastStateKey) return;
    lastStateKey = key;
    publish('collector', snapshot(), null);
  };

  const onCommitted = (
    events: readonly UsageEventInput[],
    summaries: readonly StoredEventSummary[],
  ): void => {
    // Summaries list the inserted events in batch order (duplicates skipped): match them as a subsequence.
    let i = 0;
    for (const sum of summaries) {
      while (i < events.length) {
        const e = events[i] as UsageEventInput;
        i += 1;
        if (e.timestampMs === sum.timestampMs && e.model === sum.model && e.failed === sum.failed) {
          const { dedupKey: _dedup, ...row } = e;
          publish(
            'usage',
            { id: sum.id, ...row, costMicros: sum.costMicros },
            {
              apiKeyHash: e.apiKeyHash,
              authIndex: e.authIndex,
              model: e.model,
              provider: e.provider,
              statusCode: e.statusCode,
              failed: e.failed,
              upstream: e.upstream ?? 'default',
            },
          );
          break;
        }
      }
    }
  };

  return {
    attach({ store, collector }) {
      host = collector;
      if (store) {
        detach.push(
          store.events.onInserted((summaries) => {
            pending = pending.length === 0 ? [...summaries] : pending.concat(summaries);
            if (clearScheduled) return;
            clearScheduled = true;
            setImmediate(() => {
              clearScheduled = false;
              pending = [];
            });
          }),
        );
      }
      if (!collector) return;
      detach.push(
        collector.on('committed', (events) => {
          const summaries = pending;
          pending = [];
          if (summaries.length > 0) onCommitted(events, summaries);
        }),
        collector.on('state', onState),
        collector.on('transport', onState),
        collector.on('problem', onState),
        collector.on('gap', (gap) => publish('gap', gap, null)),
      );
    },
    since(lastId) {
      const oldest = ring[count > capacity ? count % capacity : 0];
      const truncated = lastId < (oldest?.id ?? seq + 1) - 1;
      const entries: LiveEntry[] = [];
      const start = Math.max(0, count - capacity);
      for (let n = start; n < count; n += 1) {
        const e = ring[n % capacity];
        if (e && e.id > lastId) entries.push(e);
      }
      return { entries, truncated };
    },
    publish(kind, payload) {
      publish(kind, payload, null);
    },
    relay(events) {
      for (const e of events) {
        // The same payload as a row this instance's collector committed.
        const { dedupKey: _dedup, priceVersion: _v, priceMissing: _m, costEstimated: _c, id, costMicros, ...row } = e;
        publish('usage', { id, ...row, costMicros }, {
          apiKeyHash: e.apiKeyHash,
          authIndex: e.authIndex,
          model: e.model,
          provider: e.provider,
          statusCode: e.statusCode,
          failed: e.failed,
          upstream: e.upstream ?? 'default',
        });
      }
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    subscribers: () => listeners.size,
    collectorSnapshot: () => JSON.stringify(snapshot()),
    lastId: () => seq,
    close() {
      for (const off of detach.splice(0)) off();
      pending = [];
      listeners.clear();
    },
  };
}
