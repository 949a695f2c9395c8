// The CPA calls budget enforcement makes: read, remove and re-add a client key in CPA's top-level
// `api-keys`, over @cpamp/sdk-cpa, for whatever connections are current. Several CPAs: a key is taken out
// of every CPA that lists it and put back into exactly those (their names are kept in the settings under
// `budgets.held_in:<key hash>`, written before the first removal, so a restart still knows them).
import { createHash } from 'node:crypto';
import type { SettingsRepository } from '@cpamp/store';
import { createCpaClient, type CpaClient } from '@cpamp/sdk-cpa';
import type { ConnectionService } from '../connection';

export interface BudgetCpa {
  /** Every key of every connected CPA. */
  listKeys(): Promise<string[]>;
  removeKey(key: string): Promise<void>;
  /** Puts the key back where it was taken out (a CPA that already has it keeps it once). */
  addKey(key: string): Promise<void>;
}

export interface BudgetCpaProvider {
  current(): BudgetCpa | null;
  close(): Promise<void>;
}

export interface BudgetUpstreams {
  list(): readonly { name: string; isDefault: boolean; connection: Pick<ConnectionService, 'current'> }[];
}

const heldKey = (key: string) => `budgets.held_in:${createHash('sha256').update(key).digest('hex')}`;

export function createBudgetCpaProvider(opts: {
  connection: Pick<ConnectionService, 'current'>;
  upstreams?: BudgetUpstreams;
  settings?: Pick<SettingsRepository, 'get' | 'set' | 'delete'>;
  timeoutMs: number;
  dispatcher?: unknown;
}): BudgetCpaProvider {
  const clients = new Map<string, { id: string; client: CpaClient }>();
  let closed = false;
  const clientOf = (name: string, connection: Pick<ConnectionService, 'current'>): CpaClient | null => {
    const c = closed ? null : connection.current();
    if (!c) return null;
    const id = `${c.baseUrl}\u0000${c.managementKey}`;
    const hit = clients.get(name);
    if (hit && hit.id === id) return hit.client;
    void hit?.client.close().catch(() => undefined);
    const client = createCpaClient({
      baseUrl: c.baseUrl,
      managementKey: c.managementKey,
      timeoutMs: opts.timeoutMs,
      retries: 0,
      ...(opts.dispatcher ? { dispatcher: opts.dispatcher as never } : {}),
    });
    clients.set(name, { id, client });
    return client;
  };
  const all = () => opts.upstreams?.list() ?? [{ name: 'default', isDefault: true, connection: opts.connection }];
  const addTo = async (cl: CpaClient, key: string) => {
    if (!(await cl.apiKeys.list()).includes(key)) await cl.apiKeys.patch({ old: key, new: key });
  };
  return {
    current() {
      const connected = all()
        .map((u) => ({ name: u.name, isDefault: u.isDefault, client: clientOf(u.name, u.connection) }))
        .filter((u): u is { name: string; isDefault: boolean; client: CpaClient } => u.client !== null);
      if (connected.length === 0) return null;
      const settings = opts.settings;
      if (connected.length === 1 && connected[0]!.isDefault && all().length === 1) {
        const cl = connected[0]!.client;
        return { listKeys: () => cl.apiKeys.list(), removeKey: (key) => cl.apiKeys.delete({ value: key }), addKey: (key) => addTo(cl, key) };
      }
      return {
        async listKeys() {
          const keys = new Set<string>();
          for (const u of connected) for (const k of await u.client.apiKeys.list()) keys.add(k);
          return [...keys];
        },
        async removeKey(key) {
          const holders: typeof connected = [];
          for (const u of connected) if ((await u.client.apiKeys.list()).includes(key)) holders.push(u);
          await settings?.set(heldKey(key), holders.map((u) => u.name));
          for (const u of holders) await u.client.apiKeys.delete({ value: key });
        },
        async addKey(key) {
          // A hold from before several CPAs (no names kept) came from the default CPA.
          const names = (await settings?.get<string[]>(heldKey(key))) ?? ['default'];
          for (const u of connected) if (names.includes(u.name)) await addTo(u.client, key);
          if (names.every((n) => connected.some((u) => u.name === n))) await settings?.delete(heldKey(key));
          else throw new Error(`CPA ${names.filter((n) => !connected.some((u) => u.name === n)).join(', ')} is not connected`);
        },
      };
    },
    async close() {
      closed = true;
      await Promise.all([...clients.values()].map((c) => c.client.close().catch(() => undefined)));
      clients.clear();
    },
  };
}
