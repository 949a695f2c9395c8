// The "admin brute-force guard" target (docs/design.md): after 10 failed admin-key attempts from one address
// within 15 minutes, refuse that address with 429 and a growing backoff (10 s, 20 s, 40 s … capped at 15 min); a success resets it. Memory is bounded.

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
  blockedUntil: number;
  /** How many times this address was blocked in the current window: drives the growth. */
  strikes: number;
}

export interface BruteForceGuard {
  /** Seconds to wait when the address is blocked now, else 0. */
  retryAfterSeconds(address: string): number;
  recordFailure(address: string): void;
  recordSuccess(address: string): void;
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
    if (entry.failures.length === 0 && entry.blockedUntil <= t) entry.strikes = 0;
  };

  return {
    retryAfterSeconds(address) {
      const entry = entries.get(address);
      const t = now();
      if (!entry || entry.blockedUntil <= t) return 0;
      return Math.max(1, Math.ceil((entry.blockedUntil - t) / 1000));
    },
    recordFailure(address) {
      const t = now();
      let entry = entries.get(address);
      if (!entry) {
        if (entries.size >= maxTracked) {
          // Evict the oldest-inserted address; Map iteration order is insertion order.
          const oldest = entries.keys().next().value;
          if (oldest !== undefined) entries.delete(oldest);
        }
        entry = { failures: [], blockedUntil: 0, strikes: 0 };
        entries.set(address, entry);
      }
      prune(entry, t);
      entry.failures.push(t);
      if (entry.failures.length > maxFailures) entry.failures.shift();
      if (entry.failures.length >= maxFailures) {
        entry.blockedUntil = t + Math.min(cap, base * 2 ** entry.strikes);
        entry.strikes += 1;
      }
    },
    recordSuccess(address) {
      entries.delete(address);
    },
    trackedAddresses() {
      return entries.size;
    },
  };
}
