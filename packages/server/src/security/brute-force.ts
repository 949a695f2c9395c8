// The "admin brute-force guard" target (docs/design.md), per client address: after 10 failed attempts within 15 minutes the address
// is refused with 429 for 10 s, then 20 s, 40 s … (doubling once per lock, capped at 15 min); a success
// resets it. Attempts still being checked count against the limit, so a parallel burst cannot get more
// keys hashed than a sequential one. Memory is bounded.

export interface BruteForceOptions {
  maxFailures?: number;
  windowMs?: number;
  baseBackoffMs?: number;
  maxBackoffMs?: number;
  maxTrackedAddresses?: number;
  now?: () => number;
}

interface Entry {
  failures: number[];
  inFlight: number;
  blockedUntil: number;
  /** Locks in a row (each lock doubles the next); forgotten once the window passes without failures. */
  locks: number;
}

/** One admin-key check in progress; end it exactly once. */
export interface AttemptTicket {
  fail(): void;
  succeed(): void;
  /** The check could not be made (e.g. the verifier was busy): neither a failure nor a success. */
  abandon(): void;
}

export interface BruteForceGuard {
  /** Seconds to wait when the address is blocked now, else 0. */
  retryAfterSeconds(address: string): number;
  /** Reserves an attempt, or returns the seconds to wait when the address may not try now. */
  begin(address: string): AttemptTicket | { retryAfterSeconds: number };
  trackedAddresses(): number;
}

export function createBruteForceGuard(options: BruteForceOptions = {}): BruteForceGuard {
  const maxFailures = options.maxFailures ?? 10;
  const windowMs = options.windowMs ?? 15 * 60_000;
  const base = options.baseBackoffMs ?? 10_000;
  const cap = options.maxBackoffMs ?? 15 * 60_000;
  const maxTracked = options.maxTrackedAddresses ?? 10_000;
  const now = options.now ?? Date.now;
  const entries = new Map<string, Entry>();

  const prune = (entry: Entry, t: number): void => {
    while (entry.failures.length > 0 && (entry.failures[0] as number) <= t - windowMs) entry.failures.shift();
    if (entry.failures.length === 0 && entry.blockedUntil + windowMs <= t) entry.locks = 0;
  };
  const entryFor = (address: string): Entry => {
    let entry = entries.get(address);
    if (!entry) {
      if (entries.size >= maxTracked) {
        // Evict the oldest-inserted idle address; Map iteration order is insertion order.
        for (const [key, e] of entries) {
          if (e.inFlight === 0) {
            entries.delete(key);
            break;
          }
        }
      }
      entry = { failures: [], inFlight: 0, blockedUntil: 0, locks: 0 };
      entries.set(address, entry);
    }
    return entry;
  };
  const waitSeconds = (entry: Entry, t: number): number => Math.max(1, Math.ceil((entry.blockedUntil - t) / 1000));

  const fail = (address: string, entry: Entry): void => {
    const t = now();
    prune(entry, t);
    entry.failures.push(t);
    if (entry.failures.length >= maxFailures) {
      entry.blockedUntil = t + Math.min(cap, base * 2 ** entry.locks);
      entry.locks += 1;
      entry.failures = [];
    }
    if (!entries.has(address)) entries.set(address, entry);
  };

  return {
    retryAfterSeconds(address) {
      const entry = entries.get(address);
      const t = now();
      if (!entry || entry.blockedUntil <= t) return 0;
      return waitSeconds(entry, t);
    },
    begin(address) {
      const t = now();
      const entry = entryFor(address);
      prune(entry, t);
      if (entry.blockedUntil > t) return { retryAfterSeconds: waitSeconds(entry, t) };
      if (entry.failures.length + entry.inFlight >= maxFailures) {
        // As many checks are running as could still fail before a lock: wait for them.
        return { retryAfterSeconds: 1 };
      }
      entry.inFlight += 1;
      let ended = false;
      const end = (): boolean => {
        if (ended) return false;
        ended = true;
        entry.inFlight -= 1;
        return true;
      };
      return {
        fail: () => {
          if (end()) fail(address, entry);
        },
        succeed: () => {
          if (end()) entries.delete(address);
        },
        abandon: () => {
          end();
        },
      };
    },
    trackedAddresses() {
      return entries.size;
    },
  };
}
