// The CPA calls budget enforcement makes: read, remove and re-add a client key in CPA's top-level
// `api-keys`, over @cpamp/sdk-cpa, for whatever connection is current.
import { createCpaClient, type CpaClient } from '@cpamp/sdk-cpa';
import type { ConnectionService } from '../connection';

export interface BudgetCpa {
  listKeys(): Promise<string[]>;
  removeKey(key: string): Promise<void>;
  /** Appends the key (PATCH old → new appends `new` when `old` is absent, so a key already there stays once). */
  addKey(key: string): Promise<void>;
}

export interface BudgetCpaProvider {
  current(): BudgetCpa | null;
  close(): Promise<void>;
}

export function createBudgetCpaProvider(opts: { connection: Pick<ConnectionService, 'current'>; timeoutMs: number; dispatcher?: unknown }): BudgetCpaProvider {
  let client: CpaClient | null = null;
  let id = '';
  let closed = false;
  return {
    current() {
      const c = closed ? null : opts.connection.current();
      if (!c) return null;
      const next = `${c.baseUrl}\u0000${c.managementKey}`;
      if (!client || next !== id) {
        void client?.close().catch(() => undefined);
        id = next;
        client = createCpaClient({
          baseUrl: c.baseUrl,
          managementKey: c.managementKey,
          timeoutMs: opts.timeoutMs,
          retries: 0,
          ...(opts.dispatcher ? { dispatcher: opts.dispatcher as never } : {}),
        });
      }
      const cl = client;
      return {
        listKeys: () => cl.apiKeys.list(),
        removeKey: (key) => cl.apiKeys.delete({ value: key }),
        addKey: (key) => cl.apiKeys.patch({ old: key, new: key }),
      };
    },
    async close() {
      closed = true;
      await client?.close().catch(() => undefined);
      client = null;
    },
  };
}
