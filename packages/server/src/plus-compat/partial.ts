// The X-Cpamp-Partial header: a Plus-shaped answer that lacks data cpamp does not keep names what is
// missing, so a script can tell "nothing there" from "cpamp cannot say".
import type { FastifyReply } from 'fastify';

export const PARTIAL_HEADER = 'x-cpamp-partial';

/** Adds `parts` (deduplicated, comma-separated) to the reply's X-Cpamp-Partial header; no-op when empty. */
export function markPartial(reply: FastifyReply, parts: readonly string[]): void {
  if (parts.length === 0) return;
  const prev = reply.getHeader(PARTIAL_HEADER);
  const all = new Set([...(typeof prev === 'string' && prev ? prev.split(', ') : []), ...parts]);
  reply.header(PARTIAL_HEADER, [...all].join(', '));
}
