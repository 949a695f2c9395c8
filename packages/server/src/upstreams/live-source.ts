// What the live hub listens to with several CPAs: every collector's events — commits and gaps (so events from
// each CPA reach the live stream, each row and gap saying its CPA) and state changes (the stream's `collector` event lists
// each CPA's collector) — and every collector's status. The hosts map is the collector plugin's own (CPAs are
// added and removed at runtime): `refresh()` subscribes to a new host and drops a removed one.
import type { CollectorEvents } from '@cpamp/collector';
import type { CollectorHost } from '../collector-host';
import type { LiveCollectorSource } from '../live/live-hub';

type Listener = (...args: never[]) => void;

export interface LiveCollectors extends LiveCollectorSource {
  /** Follows the hosts map after a CPA was added or removed. */
  refresh(): void;
}

export function liveCollectorSource(
  main: CollectorHost,
  all: ReadonlyMap<string, CollectorHost>,
): LiveCollectors {
  const subs: { event: keyof CollectorEvents; listener: Listener; offs: Map<string, () => void> }[] = [];
  const subscribe = (sub: (typeof subs)[number], name: string, host: CollectorHost) => {
    const l = sub.listener as (...args: unknown[]) => void;
    // With several CPAs, a gap names the CPA whose records it misses; another CPA's rows name it as stored (the
    // collector emits its records as popped: upstreamSink tags only what goes to the store).
    const wrapped =
      sub.event === 'gap'
        ? (gap: unknown) => l(all.size > 1 ? { ...(gap as object), upstream: name } : gap)
        : sub.event === 'committed' && host !== main
          ? (events: readonly object[], result: unknown) =>
              l(
                events.map((e) => ({ ...e, upstream: name })),
                result,
              )
          : l;
    sub.offs.set(name, host.on(sub.event, wrapped as never));
  };
  return {
    status: () => main.status(),
    statuses: () => [...all].map(([name, host]) => ({ name, status: host.status() })),
    on(event, listener) {
      const sub = { event, listener: listener as Listener, offs: new Map<string, () => void>() };
      subs.push(sub);
      for (const [name, host] of all) subscribe(sub, name, host);
      return () => {
        for (const off of sub.offs.values()) off();
        subs.splice(subs.indexOf(sub), 1);
      };
    },
    refresh() {
      for (const sub of subs) {
        for (const [name, off] of sub.offs)
          if (!all.has(name)) {
            off();
            sub.offs.delete(name);
          }
        for (const [name, host] of all) if (!sub.offs.has(name)) subscribe(sub, name, host);
      }
    },
  };
}
