// The live feed behind GET /v0/management/events/stream: a bounded ring of recent events (usage rows the
// collector committed, collector state changes, coverage gaps) with monotonically increasing ids, so a
// reconnecting client can replay what it missed with Last-Event-ID. Nothing here touches the database.
import type { InsertResult, Store, StoredEventSummary, UsageEventInput } from '@cpamp/store';
import type { CollectorHost } from '../plugins/collector';

export type LiveKind = 'usage' | 'collector' | 'gap';

/** What the stream filters on (usage rows only; collector and gap events always pass). */
export interface LiveMatch {
  apiKeyHash: string;
  authIndex: string;
  model: string;
  provider: string;
  statusCode: number;
  failed: boolean;
}

export interface LiveEntry {
  id: number;
  kind: LiveKind;
  /** Pre-serialised JSON, shared by every client. */
  data: string;
  match: LiveMatch | null;
}

export interface LiveHub {
  /** Wraps the store handed to the collector so each committed batch reaches the stream (no DB reads). */
  tapStore(store: Store): Store;
  /** Entries after `lastId` still in the ring; `truncated` when some were already dropped. */
  since(lastId: number): { entries: LiveEntry[]; truncated: boolean };
  subscribe(listener: (entry: LiveEntry) => void): () => void;
  subscribers(): number;
  /** Current collector status as a `collector` payload (sent first on every connect). */
  collectorSnapshot(): string;
  lastId(): number;
  /** Starts watching the collector's state (poll of its in-memory status). */
  watchCollector(host: CollectorHost | null, intervalMs?: number): void;
  close(): void;
}

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
  let host: CollectorHost | null = null;
  let timer: NodeJS.Timeout | null = null;
  let lastStateKey = '';
  let lastGapCount = 0;

  const publish = (kind: LiveKind, payload: unknown, match: LiveMatch | null): void => {
    seq += 1;
    const entry: LiveEntry = { id: seq, kind, data: JSON.stringify(payload), match };
    ring[count % capacity] = entry;
    count += 1;
    for (const l of listeners) l(entry);
  };

  const snapshot = () => {
    const s = host?.status() ?? null;
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

  const poll = (): void => {
    const s = host?.status() ?? null;
    const key = s ? `${s.state}|${s.transport ?? ''}|${s.lastError?.atMs ?? 0}|${s.sinkFailing}` : 'none';
    if (key !== lastStateKey) {
      lastStateKey = key;
      publish('collector', snapshot(), null);
    }
    const gaps = s?.counters.gaps ?? 0;
    if (gaps < lastGapCount) lastGapCount = 0; // a new collector (after setup) starts counting at 0
    if (s && gaps > lastGapCount) {
      const fresh = s.recentGaps.slice(-(gaps - lastGapCount));
      for (const g of fresh) publish('gap', g, null);
      lastGapCount = gaps;
    }
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
            },
          );
          break;
        }
      }
    }
  };

  return {
    tapStore(store) {
      const insertBatch = (events: readonly UsageEventInput[]): InsertResult => {
        let summaries: StoredEventSummary[] = [];
        // insertBatch is synchronous and notifies its listeners before it returns.
        const off = store.events.onInserted((s) => {
          summaries = summaries.concat(s);
        });
        let result: InsertResult;
        try {
          result = store.insertBatch(events);
        } finally {
          off();
        }
        if (summaries.length > 0) onCommitted(events, summaries);
        return result;
      };
      return new Proxy(store, {
        get(target, prop) {
          if (prop === 'insertBatch') return insertBatch;
          const v: unknown = Reflect.get(target, prop, target);
          return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
        },
      });
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
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    subscribers: () => listeners.size,
    collectorSnapshot: () => JSON.stringify(snapshot()),
    lastId: () => seq,
    watchCollector(h, intervalMs = 1_000) {
      host = h;
      if (timer || !h) return;
      timer = setInterval(poll, intervalMs);
      timer.unref();
    },
    close() {
      if (timer) clearInterval(timer);
      timer = null;
      listeners.clear();
    },
  };
}
