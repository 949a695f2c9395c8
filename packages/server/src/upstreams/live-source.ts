// What the live hub listens to with several CPAs: every collector's commits and gaps (so events from each
// CPA reach the live stream), and the default collector's state (the stream's one collector status).
import type { CollectorEvents } from '@cpamp/collector';
import type { CollectorHost } from '../collector-host';

const EVERY_CPA: ReadonlySet<keyof CollectorEvents> = new Set<keyof CollectorEvents>(['committed', 'gap']);

export function liveCollectorSource(main: CollectorHost, all: ReadonlyMap<string, CollectorHost>): Pick<CollectorHost, 'status' | 'on'> {
  if (all.size <= 1) return main;
  return {
    status: () => main.status(),
    on(event, listener) {
      if (!EVERY_CPA.has(event)) return main.on(event, listener);
      const offs = [...all.values()].map((host) => host.on(event, listener));
      return () => {
        for (const off of offs) off();
      };
    },
  };
}
