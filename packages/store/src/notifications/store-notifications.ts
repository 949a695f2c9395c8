// Batches other processes committed to the same database, for a store that several processes share
// (Postgres: LISTEN / NOTIFY). A single-process store (SQLite) has no notifications: it sees its own
// inserts through events.onInserted.
import type { StoredEvent } from '../types';

/** One committed insert batch of another instance (never this store's own). */
export interface InsertNotice {
  /** The instance that inserted it (openPgStore's `instanceId`). */
  instanceId: string;
  /** The batch's event ids, ascending; null when the batch was too large to list (then fromId..toId). */
  ids: number[] | null;
  fromId: number;
  toId: number;
  count: number;
}

export interface NotificationSubscription {
  /** Resolves once the listening connection is up (LISTEN issued); notices before that are not seen. */
  readonly ready: Promise<void>;
  /** Stops listening; the dedicated connection closes with the last subscription. */
  close(): Promise<void>;
}

export interface StoreNotifications {
  /** This store's instance id: the batches it inserts carry it, and it never hears them back. */
  readonly instanceId: string;
  /**
   * Calls `listener` for each insert batch another instance commits. A dedicated connection listens and
   * reconnects after a failure (batches committed while it was down are not replayed).
   */
  listen(listener: (notice: InsertNotice) => void): NotificationSubscription;
  /** The events a notice names, oldest first (what a live feed shows). */
  eventsOf(notice: InsertNotice): Promise<StoredEvent[]>;
}
