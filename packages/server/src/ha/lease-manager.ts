// Which instance does the work that must run once (collecting from an upstream, the pool / alerts / budget
// / job schedulers) when several cpamp processes share one database. Each such role has a lease in the
// store; this process takes it when it is free, renews it every heartbeat, starts the role's work while it
// holds it and stops the work when it loses it. A graceful stop first stops the work (the collector drains
// and commits) and then releases the leases, so the other instance takes over at its next heartbeat.
// A store of one process (SQLite) has no leases to share: every role is held from the start.
import { randomUUID } from 'node:crypto';
import type { LeasesRepository } from '@cpamp/store';

/** Lease names: one per upstream's collector, one for the schedulers. */
export const SCHEDULER_LEASE = 'scheduler';
export const collectorLease = (upstream: string): string => `collector:${upstream}`;

/** A lease lasts this long without a renewal: the takeover time after a leader dies is at most ttl + heartbeat. */
export const LEASE_TTL_MS = 15_000;
export const LEASE_HEARTBEAT_MS = 5_000;

/** The work behind a lease: started when this instance takes it, stopped (drained) before it is given up. */
export interface LeaseRole {
  start(): Promise<void> | void;
  stop(): Promise<void> | void;
}

export interface LeaseStatus {
  name: string;
  held: boolean;
  /** The holder as the last heartbeat saw it (this instance, another one, or null when free / unknown). */
  holder: string | null;
  expiresAtMs: number | null;
}

export interface LeaseManager {
  readonly instanceId: string;
  /** 'single': one process owns the store (every lease held); 'shared': leases in the database. */
  readonly mode: 'single' | 'shared';
  /** Whether this instance holds the lease now (always true in single mode). */
  holds(name: string): boolean;
  /** Registers work under a lease (several roles may share one); returns its removal. */
  role(name: string, role: LeaseRole): () => void;
  /** Starts the heartbeat (single mode: starts every role at once). */
  start(): Promise<void>;
  /** One heartbeat now: acquire what is free, renew what is held (tests drive it with an injected clock). */
  tick(): Promise<void>;
  /** Graceful stop: stops every held role (drain), then releases its lease. Idempotent. */
  stop(): Promise<void>;
  status(): { instanceId: string; mode: 'single' | 'shared'; leases: LeaseStatus[] };
}

export interface LeaseManagerOptions {
  /** The store's leases; null for a store of one process (SQLite). */
  leases: LeasesRepository | null;
  instanceId?: string;
  ttlMs?: number;
  heartbeatMs?: number;
  /** Local clock, only for judging when a lease we could not renew must be considered lost. */
  now?: () => number;
  /** false: no timer, heartbeats only through tick() (tests). */
  timer?: boolean;
  logger?: { info(o: object, m: string): void; warn(o: object, m: string): void; error(o: object, m: string): void };
}

interface Entry {
  name: string;
  roles: LeaseRole[];
  held: boolean;
  /** Local time until which the lease is surely ours (set at each successful renewal). */
  safeUntil: number;
  holder: string | null;
  expiresAtMs: number | null;
  /** Start / stop of this role, serialised. */
  chain: Promise<void>;
}

const noop = (): void => undefined;
const SILENT = { info: noop, warn: noop, error: noop };

export function createLeaseManager(opts: LeaseManagerOptions): LeaseManager {
  const instanceId = opts.instanceId ?? randomUUID();
  const mode = opts.leases ? 'shared' : 'single';
  const ttl = opts.ttlMs ?? LEASE_TTL_MS;
  const heartbeat = opts.heartbeatMs ?? LEASE_HEARTBEAT_MS;
  const now = opts.now ?? Date.now;
  const log = opts.logger ?? SILENT;
  const entries = new Map<string, Entry>();
  let timer: NodeJS.Timeout | null = null;
  let started = false;
  let stopping: Promise<void> | null = null;
  let ticking: Promise<void> | null = null;

  const run = (e: Entry, what: 'start' | 'stop'): Promise<void> => {
    const roles = [...e.roles];
    e.chain = e.chain.then(async () => {
      for (const role of what === 'start' ? roles : roles.reverse()) {
        try {
          await (what === 'start' ? role.start() : role.stop());
        } catch (err) {
          log.error({ err, lease: e.name }, `lease role failed to ${what}`);
        }
      }
    });
    return e.chain;
  };
  const gain = (e: Entry, rec: { holder: string; expiresAtMs: number }, at: number) => {
    e.holder = rec.holder;
    e.expiresAtMs = rec.expiresAtMs;
    e.safeUntil = at + ttl;
    if (e.held) return;
    e.held = true;
    log.info({ lease: e.name, instanceId }, 'lease taken: starting its work');
    void run(e, 'start');
  };
  const lose = (e: Entry, why: string) => {
    if (!e.held) return;
    e.held = false;
    log.warn({ lease: e.name, instanceId, why }, 'lease lost: stopping its work');
    void run(e, 'stop');
  };

  const beat = async (e: Entry, leases: LeasesRepository): Promise<void> => {
    // The local time before the round trip: what we know of the lease is at least this fresh.
    const at = now();
    try {
      const rec = e.held ? await leases.renew(e.name, instanceId, ttl) : await leases.acquire(e.name, instanceId, ttl);
      if (stopping) return;
      if (rec) return gain(e, rec, at);
      if (e.held) lose(e, 'another instance holds it');
      const cur = await leases.current(e.name);
      e.holder = cur?.holder ?? null;
      e.expiresAtMs = cur?.expiresAtMs ?? null;
    } catch (err) {
      // The database is unreachable: keep working while the lease surely lasts, then stop, because
      // another instance may take it at expiry.
      log.warn({ err, lease: e.name }, 'lease heartbeat failed');
      if (e.held && now() >= e.safeUntil - heartbeat) lose(e, 'cannot renew it before it expires');
    }
  };

  const tick = (): Promise<void> => {
    const leases = opts.leases;
    if (!leases || stopping) return Promise.resolve();
    ticking ??= Promise.all([...entries.values()].map((e) => beat(e, leases)))
      .then(noop)
      .finally(() => {
        ticking = null;
      });
    return ticking;
  };

  return {
    instanceId,
    mode,
    // A single process holds every lease from the start (even before start(): nothing to wait for).
    holds: (name) => mode === 'single' || (entries.get(name)?.held ?? false),
    role(name, role) {
      let e = entries.get(name);
      if (!e) {
        e = { name, roles: [], held: false, safeUntil: 0, holder: null, expiresAtMs: null, chain: Promise.resolve() };
        entries.set(name, e);
      }
      e.roles.push(role);
      const entry = e;
      if (started && !stopping) {
        if (entry.held) {
          // Already held: this role starts now, after whatever the lease's chain is doing.
          entry.chain = entry.chain.then(async () => {
            if (entry.held && entry.roles.includes(role)) await role.start();
          }).catch((err: unknown) => log.error({ err, lease: name }, 'lease role failed to start'));
        } else if (mode === 'single') gain(entry, { holder: instanceId, expiresAtMs: Number.MAX_SAFE_INTEGER }, now());
        else void tick();
      }
      return () => {
        const i = entry.roles.indexOf(role);
        if (i >= 0) entry.roles.splice(i, 1);
      };
    },
    async start() {
      if (started) return;
      started = true;
      if (mode === 'single') {
        for (const e of entries.values()) gain(e, { holder: instanceId, expiresAtMs: Number.MAX_SAFE_INTEGER }, now());
        // As before leases existed: the roles (e.g. job recovery) have started when the app is ready.
        await Promise.all([...entries.values()].map((e) => e.chain));
        return;
      }
      if (opts.timer !== false) {
        timer = setInterval(() => void tick(), heartbeat);
        timer.unref();
      }
      await tick();
    },
    tick,
    stop() {
      stopping ??= (async () => {
        if (timer) clearInterval(timer);
        timer = null;
        await ticking?.catch(noop);
        await Promise.all(
          [...entries.values()].map(async (e) => {
            const wasHeld = e.held;
            e.held = false;
            if (wasHeld) await run(e, 'stop');
            // Released only after its work stopped: the next holder never overlaps this one.
            if (wasHeld && opts.leases)
              await opts.leases.release(e.name, instanceId).catch((err: unknown) => log.warn({ err, lease: e.name }, 'lease release failed'));
          }),
        );
      })();
      return stopping;
    },
    status: () => ({
      instanceId,
      mode,
      leases: [...entries.values()].map((e) => ({ name: e.name, held: e.held, holder: e.holder, expiresAtMs: e.expiresAtMs })),
    }),
  };
}
