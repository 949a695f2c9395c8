/** The downstream side: client API keys and the tools, addresses and server offsets behind them. */
import {
  CLI_USER_AGENTS,
  CLIENT_IPS,
  FAMILIES,
  FORWARDED_IPS,
  SCRIPT_USER_AGENTS,
  TEAM_WORDS,
} from './catalog';
import { Prng, seedToInt } from './prng';
import type { ProviderFamily } from './types';

export interface ClientKey {
  /** The client key in plaintext, as records carry it in `api_key`. */
  apiKey: string;
  /** 'cli' keys are used from the coding CLIs; 'script' keys from SDKs, scripts and curl. */
  style: 'cli' | 'script';
  /** The user agent this key's requests carry, per provider family. */
  userAgents: Record<ProviderFamily, string>;
  clientIps: string[];
  /** Set when the key's traffic arrives through a reverse proxy. */
  forwardedFor: string;
  /** UTC offset (minutes) of the CPA that served the key: records mix "Z" and "+08:00" timestamps. */
  offsetMinutes: number;
}

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

export function buildClientKeys(seed: number | string, count: number): ClientKey[] {
  if (!Number.isInteger(count) || count < 1) {
    throw new RangeError(
      `generator: keys must be a positive integer (got ${String(count)}); pass e.g. keys: 200`,
    );
  }
  const rng = new Prng(seedToInt(seed), 'keys');
  const used = new Set<string>();
  const keys: ClientKey[] = [];
  for (let i = 0; i < count; i++) {
    let apiKey: string;
    do {
      apiKey = rng.chance(0.75)
        ? `sk-${rng.chars(32, ALNUM)}`
        : `${rng.pick(TEAM_WORDS)}-${rng.pick(TEAM_WORDS)}-${String(rng.int(1, 99)).padStart(2, '0')}`;
    } while (used.has(apiKey));
    used.add(apiKey);
    const style = rng.chance(0.7) ? 'cli' : 'script';
    const scriptUa = rng.pick(SCRIPT_USER_AGENTS);
    const userAgents = {} as Record<ProviderFamily, string>;
    for (const family of FAMILIES) {
      const pool = CLI_USER_AGENTS[family];
      // Older CLI versions are rarer: square the uniform to favour the head of the list.
      const cliUa = pool[Math.floor(rng.next() * rng.next() * pool.length)] as string;
      userAgents[family] = style === 'cli' ? cliUa : scriptUa;
    }
    const proxied = rng.chance(0.15);
    const ipCount = rng.int(1, 3);
    const clientIps: string[] = [];
    for (let k = 0; k < ipCount; k++) clientIps.push(proxied ? '172.18.0.1' : rng.pick(CLIENT_IPS));
    const r = rng.next();
    keys.push({
      apiKey,
      style,
      userAgents,
      clientIps,
      forwardedFor: proxied ? rng.pick(FORWARDED_IPS) : '',
      offsetMinutes: r < 0.6 ? 0 : r < 0.95 ? 480 : -420,
    });
  }
  return keys;
}
