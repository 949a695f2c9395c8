// Incident subjects by name: an account's email (or auth file name) instead of its 16-hex auth index, a
// client key's alias (or masked label) instead of its SHA-256, a readable pool name. Also the target the
// panel links to. Built once per listing from two bulk reads, not one query per incident.
import type { StoreRepositories } from '@cpamp/store';
import { DEFAULT_UPSTREAM_NAME } from '../config/upstreams-type';
import { splitPoolKey } from '../pool/pool-key';

export interface SubjectName {
  label: string;
  link:
    | { kind: 'account'; authIndex: string }
    | { kind: 'key'; hash: string }
    | { kind: 'pool'; provider: string; plan: string | null }
    | { kind: 'collector' }
    | null;
}

const HEX64 = /^[0-9a-f]{64}$/;

export type SubjectNamer = (subject: string) => SubjectName;

export async function subjectNamer(
  store: Pick<StoreRepositories, 'pool' | 'apiKeys'>,
): Promise<SubjectNamer> {
  const accounts = new Map((await store.pool.listAccounts()).map((a) => [a.authIndex, a]));
  const keys = new Map((await store.apiKeys.list()).map((k) => [k.hash, k]));
  const keyName = (hash: string) => {
    const k = keys.get(hash);
    return k ? (k.alias ?? k.label) : `key ${hash.slice(0, 8)}…`;
  };
  return (subject) => {
    // Several CPAs: another CPA's account or pool subject carries its name (pool-key.ts); the label says it.
    const { upstream, authIndex: bare } = splitPoolKey(subject);
    const on = upstream === DEFAULT_UPSTREAM_NAME ? '' : ` (CPA ${upstream})`;
    const acc = accounts.get(subject);
    if (acc)
      return { label: `${acc.email ?? acc.fileName ?? bare}${on}`, link: { kind: 'account', authIndex: subject } };
    const pool = /^pool:([^:]+)(?::(.+))?$/.exec(bare);
    if (pool) {
      const provider = pool[1]!;
      const plan = pool[2] ?? null;
      return {
        label: `${provider[0]!.toUpperCase()}${provider.slice(1)}${plan ? ` (${plan})` : ''} pool${on}`,
        link: { kind: 'pool', provider, plan },
      };
    }
    // Analytics rules: a key, a key on one provider, a provider, or all traffic.
    const scoped = /^([0-9a-f]{64})@provider:(.+)$/.exec(subject);
    if (scoped)
      return { label: `${keyName(scoped[1]!)} on ${scoped[2]}`, link: { kind: 'key', hash: scoped[1]! } };
    if (HEX64.test(subject)) return { label: keyName(subject), link: { kind: 'key', hash: subject } };
    if (subject.startsWith('provider:')) return { label: subject.slice('provider:'.length), link: null };
    if (subject === 'total') return { label: 'all traffic', link: null };
    if (subject === 'collector') return { label: 'collector', link: { kind: 'collector' } };
    if (subject.startsWith('collector:')) return { label: `collector of CPA ${subject.slice('collector:'.length)}`, link: { kind: 'collector' } };
    return { label: subject, link: null };
  };
}
