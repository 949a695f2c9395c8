/** CPA's redisqueue: retention-windowed FIFO + pub/sub with 256-message subscriber buffers. */

export const SUBSCRIBER_BUFFER = 256;
export const SUPPORT_REFRESH_PAYLOAD = '{"support_refresh":true}';
export const REFRESH_PAYLOAD = '{"refresh":true}';

export type Channel = 'usage' | 'errors';

/** A connected subscriber; the transport (resp.ts) implements delivery and closing. */
export interface SubscriberSink {
  /** Queue one payload; returns false when the subscriber's buffer is full (it must be dropped). */
  offer(payload: string): boolean;
  /** Close the subscriber's connection (called after it overflowed). */
  drop(): void;
}

interface Item {
  at: number;
  payload: string;
}

export interface QueueCounters {
  queued: number;
  delivered: number;
  expired: number;
  popped: number;
  subscribersDropped: number;
}

export class UsageBus {
  private items: Item[] = [];
  private head = 0;
  private readonly subs: Record<Channel, Set<SubscriberSink>> = { usage: new Set(), errors: new Set() };
  readonly counters: QueueCounters = {
    queued: 0,
    delivered: 0,
    expired: 0,
    popped: 0,
    subscribersDropped: 0,
  };

  constructor(
    private readonly now: () => number,
    private readonly retentionSeconds: () => number,
  ) {}

  /** Records go only to subscribers if there is at least one, else into the FIFO. */
  enqueue(payload: string): void {
    if (payload.length === 0) return;
    if (this.publish('usage', payload)) {
      this.counters.delivered++;
      return;
    }
    const now = this.now();
    this.prune(now);
    this.items.push({ at: now, payload });
    this.counters.queued++;
  }

  /** Fan out to subscribers; a full subscriber is removed and closed. Returns whether anyone was subscribed. */
  publish(channel: Channel, payload: string): boolean {
    const set = this.subs[channel];
    if (set.size === 0) return false;
    for (const sub of [...set]) {
      if (!sub.offer(payload)) {
        set.delete(sub);
        this.counters.subscribersDropped++;
        sub.drop();
      }
    }
    return true;
  }

  popOldest(count: number): string[] {
    if (count <= 0) return [];
    this.prune(this.now());
    const available = this.items.length - this.head;
    const n = Math.min(count, available);
    const out: string[] = [];
    for (let i = 0; i < n; i++) out.push((this.items[this.head + i] as Item).payload);
    this.head += n;
    this.compact();
    this.counters.popped += n;
    return out;
  }

  length(): number {
    this.prune(this.now());
    return this.items.length - this.head;
  }

  subscribe(channel: Channel, sink: SubscriberSink): () => void {
    this.subs[channel].add(sink);
    return () => {
      this.subs[channel].delete(sink);
    };
  }

  subscriberCount(channel?: Channel): number {
    return channel ? this.subs[channel].size : this.subs.usage.size + this.subs.errors.size;
  }

  /** Like redisqueue.SetEnabled(false): clear buffered items and close all subscribers. */
  clear(): void {
    this.items = [];
    this.head = 0;
    for (const ch of ['usage', 'errors'] as const) {
      for (const sub of this.subs[ch]) sub.drop();
      this.subs[ch].clear();
    }
  }

  private prune(now: number): void {
    let seconds = this.retentionSeconds();
    if (!(seconds > 0)) seconds = 60;
    if (seconds > 3600) seconds = 3600;
    const cutoff = now - seconds * 1000;
    while (this.head < this.items.length && (this.items[this.head] as Item).at < cutoff) {
      this.head++;
      this.counters.expired++;
    }
    this.compact();
  }

  private compact(): void {
    if (this.head === 0) return;
    if (this.head >= this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head >= 1024 || this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }
}
