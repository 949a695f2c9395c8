// Several CPAs: an auth_index is CPA's hash of the credential's path, so two CPAs that keep the same file
// (the same container layout) report the same auth_index for different accounts. The pool therefore keys
// an account by (upstream, auth_index), written as one string so every pool table keeps its key column:
// the default CPA's accounts keep their bare auth_index (everything stored before several CPAs existed
// stays valid), another CPA's are `<upstream>~<auth_index>`. Upstream names are slugs and auth indexes are
// hex, so `~` never occurs in either.
import { DEFAULT_UPSTREAM_NAME } from '../config/upstreams-type';

const SEP = '~';
const PREFIXED = /^([a-z0-9_-]{1,32})~(.+)$/;

/** The pool's key of CPA `upstream`'s auth_index. */
export function poolKey(upstream: string, authIndex: string): string {
  return upstream === DEFAULT_UPSTREAM_NAME || authIndex === '' ? authIndex : `${upstream}${SEP}${authIndex}`;
}

/** The CPA and its own auth_index behind a pool key (or an alert subject that starts with one). */
export function splitPoolKey(key: string): { upstream: string; authIndex: string } {
  const m = PREFIXED.exec(key);
  return m ? { upstream: m[1]!, authIndex: m[2]! } : { upstream: DEFAULT_UPSTREAM_NAME, authIndex: key };
}

export const upstreamOfKey = (key: string): string => splitPoolKey(key).upstream;
