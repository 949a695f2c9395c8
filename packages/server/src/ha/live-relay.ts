// Usage rows another instance committed reach this instance's live-stream clients: the store notifies
// each committed batch (Postgres LISTEN / NOTIFY), this fetches the batch's rows and hands them to the
// live hub. The store never notifies an instance of its own batches, so nothing shows twice.
import type { StoreNotifications } from '@cpamp/store';
import type { LiveHub } from '../live/live-hub';

export interface LiveRelay {
  /** Resolves once the listening connection is up. */
  readonly ready: Promise<void>;
  close(): Promise<void>;
}

export function attachLiveRelay(deps: {
  notifications: StoreNotifications;
  live: Pick<LiveHub, 'relay'>;
  logger: { warn(o: object, m: string): void };
}): LiveRelay {
  // One fetch at a time, in notice order: the stream shows batches in the order they were committed.
  let chain: Promise<void> = Promise.resolve();
  const sub = deps.notifications.listen((notice) => {
    chain = chain
      .then(async () => deps.live.relay(await deps.notifications.eventsOf(notice)))
      .catch((err: unknown) => deps.logger.warn({ err, from: notice.instanceId }, 'live: could not relay a batch from another instance'));
  });
  return {
    ready: sub.ready,
    async close() {
      await sub.close();
      await chain;
    },
  };
}
