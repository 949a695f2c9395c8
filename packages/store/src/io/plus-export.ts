// cpamp's export line → the JSONL line CPA Manager Plus's importer takes as an exported event (it trusts the
// event_hash, so events that came from Plus keep theirs and a return to Plus skips what it already has).
// Rollback path: `cpamp export --format plus` after a switch, imported into Plus.

type Line = Record<string, unknown>;

const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

/** One cpamp export object (exportJsonl's line, parsed) as Plus's export line object. */
export function toPlusExportRecord(e: Line): Line {
  const ts = num(e.timestampMs);
  const endpoint = str(e.endpoint);
  const space = endpoint.indexOf(' ');
  const alias = str(e.alias);
  const model = str(e.model);
  const failed = e.failed === true;
  const cacheRead = num(e.cacheReadTokens);
  const cacheCreation = num(e.cacheCreationTokens);
  const out: Line = {
    request_id: str(e.requestId),
    event_hash: str(e.dedupKey),
    timestamp_ms: ts,
    timestamp: new Date(ts).toISOString(),
    provider: str(e.provider),
    executor_type: str(e.executorType),
    // Plus's model is what the client asked for; cpamp's model is the upstream (resolved) one.
    model: alias || model,
    requested_model: alias || model,
    resolved_model: model,
    endpoint,
    method: space > 0 ? endpoint.slice(0, space) : '',
    path: space > 0 ? endpoint.slice(space + 1) : '',
    auth_type: str(e.authType),
    auth_index: str(e.authIndex),
    source: str(e.source),
    api_key_hash: str(e.apiKeyHash),
    reasoning_effort: str(e.reasoningEffort),
    service_tier: str(e.serviceTier),
    response_service_tier: str(e.responseServiceTier),
    // cpamp keeps input without the cache parts: say so, so Plus adds them back exactly once.
    cache_input_mode: 'separate_from_input',
    input_tokens: num(e.inputTokens) + num(e.unclassifiedTokens),
    // Plus counts reasoning inside output (as CPA reports it); cpamp keeps the two apart.
    output_tokens: num(e.outputTokens) + num(e.reasoningTokens),
    reasoning_tokens: num(e.reasoningTokens),
    cached_tokens: 0,
    cache_tokens: 0,
    cache_read_tokens: cacheRead,
    cache_creation_tokens: cacheCreation,
    total_tokens: num(e.totalTokens),
    latency_ms: num(e.latencyMs),
    ttft_ms: num(e.ttftMs),
    failed,
    fail_status_code: num(e.statusCode) || (failed ? 500 : 200),
    created_at_ms: ts,
  };
  if (failed && str(e.failBody)) out.fail_body = str(e.failBody);
  return out;
}

/** Turns chunks of cpamp export lines into chunks of Plus export lines. */
export async function* toPlusExportLines(chunks: AsyncIterable<string>): AsyncGenerator<string> {
  for await (const chunk of chunks) {
    let out = '';
    for (const line of chunk.split('\n')) {
      if (line === '') continue;
      out += `${JSON.stringify(toPlusExportRecord(JSON.parse(line) as Line))}\n`;
    }
    if (out) yield out;
  }
}
