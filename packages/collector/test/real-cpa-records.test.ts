// The collector against what the real CPA v7.2.140 wrote (test/fixtures/cpa-v7.2.140, recorded by
// test/fixtures/record/record.mjs): the HTTP pop body as is, and the RESP replies replayed byte for byte over a
// real socket to the collector's own ioredis connection, so a change in either side's framing shows up here.
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { controlPayloadKind, normalizeRecord, type UsageEvent } from '../src/index';
import { connectResp } from '../src/transports/resp-connect';
import type { RespTarget } from '../src/transports/transport';

const dir = new URL('../../../test/fixtures/cpa-v7.2.140/', import.meta.url);
const read = (name: string): string => readFileSync(new URL(name, dir), 'utf8');
const UPSTREAM_KEY = 'sk-fixture-upstream-9c1d';

/* eslint-disable @typescript-eslint/no-explicit-any -- recorded JSON is probed one path at a time */
function expectMatchesRecord(event: UsageEvent, record: any): void {
  const b = record.token_breakdown;
  expect(event).toMatchObject({
    requestId: record.request_id,
    timestampMs: Date.parse(record.timestamp),
    provider: 'openai-compatible-mockai',
    model: record.model,
    alias: record.alias,
    authIndex: record.auth_index,
    authType: 'apikey',
    failed: record.failed,
    latencyMs: record.latency_ms,
    inputTokens: b.input.uncached_tokens,
    cacheReadTokens: b.input.cache_read_tokens,
    cacheCreationTokens: b.input.cache_write_tokens,
    outputTokens: b.output.non_reasoning_tokens,
    reasoningTokens: b.output.reasoning_tokens,
    totalTokens: b.total_tokens,
  });
  // Secrets never reach an event: the upstream key becomes a masked label, the client key a hash + label.
  const text = JSON.stringify(event);
  expect(text).not.toContain(UPSTREAM_KEY);
  expect(text).not.toContain(record.api_key);
}

describe('records popped over HTTP from CPA v7.2.140', () => {
  const records = JSON.parse(read('usage-queue-http.json')) as any[];

  it('turns a plain, a streamed and a failed request into three exact events', () => {
    expect(records).toHaveLength(3);
    const events = records.map((r) => normalizeRecord(r));
    for (const [i, res] of events.entries()) {
      expect(res.ok, JSON.stringify(res)).toBe(true);
      if (res.ok) expectMatchesRecord(res.event, records[i]);
    }
    const [plain, streamed, failed] = events.map((r) => (r.ok ? r.event : undefined)) as UsageEvent[];
    expect(plain?.totalTokens).toBe(168);
    expect(streamed?.ttftMs).toBeGreaterThanOrEqual(0);
    expect(failed).toMatchObject({ failed: true, statusCode: 400, totalTokens: 0 });
    expect(failed?.failBody).toContain('mock upstream refused');
  });

  it('keeps one dedup key per attempt, whether the record arrives as an object or as its JSON text', () => {
    const text = JSON.parse(read('usage-queue-http.json')) as unknown[];
    const keys = text.map((r) => {
      const a = normalizeRecord(r);
      const b = normalizeRecord(JSON.stringify(r));
      expect(a.ok && b.ok && a.event.dedupKey === b.event.dedupKey).toBe(true);
      return a.ok ? a.event.dedupKey : '';
    });
    expect(new Set(keys).size).toBe(3);
  });

  it('answers an empty pop with [] and a bad count with CPA’s 400 text', () => {
    expect(JSON.parse(read('usage-queue-empty.json'))).toEqual([]);
    const bad = JSON.parse(read('usage-queue-bad-count.json'));
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body)).toEqual({ error: 'count must be a positive integer' });
  });
});

/** Splits recorded RESP bytes into whole top-level replies (enough RESP2 for what CPA sends). */
function splitReplies(raw: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let pos = 0;
  const lineEnd = (from: number) => raw.indexOf('\r\n', from);
  const skipValue = (): void => {
    const type = String.fromCharCode(raw[pos] as number);
    const end = lineEnd(pos);
    const head = raw.toString('utf8', pos + 1, end);
    pos = end + 2;
    if (type === '$') {
      const len = Number(head);
      if (len >= 0) pos += len + 2;
    } else if (type === '*') {
      for (let i = 0; i < Number(head); i++) skipValue();
    }
  };
  while (pos < raw.length) {
    const start = pos;
    skipValue();
    out.push(raw.subarray(start, pos));
  }
  return out;
}

/** A socket peer that answers each command with the next recorded reply, and pushes the rest after the last. */
async function replayServer(
  replies: Buffer[],
  commandsBeforePush: number,
): Promise<{ server: Server; port: number }> {
  const server = createServer((socket: Socket) => {
    let answered = 0;
    socket.on('data', (chunk) => {
      // One command per chunk here: ioredis writes each command whole and waits for its reply.
      const commands = chunk
        .toString('utf8')
        .split(/(?=\*\d+\r\n)/)
        .filter(Boolean).length;
      for (let i = 0; i < commands && answered < replies.length; i++) {
        socket.write(replies[answered] as Buffer);
        answered++;
        if (answered === commandsBeforePush)
          while (answered < replies.length) socket.write(replies[answered++] as Buffer);
      }
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const addr = server.address();
  return { server, port: typeof addr === 'object' && addr ? addr.port : 0 };
}

describe('records over RESP from CPA v7.2.140, replayed to the collector’s connection', () => {
  let server: Server | undefined;
  afterEach(async () => {
    server?.close();
    server = undefined;
  });

  const target = (port: number): RespTarget => ({
    baseUrl: `http://127.0.0.1:${port}`,
    managementKey: 'fixture-management-key-7f3a',
    connectTimeoutMs: 2000,
    tlsSkipVerify: false,
  });

  it('LPOP usage N gives the three records, then an empty array, then nil', async () => {
    const replies = splitReplies(readFileSync(new URL('usage-resp-lpop.resp', dir)));
    expect(replies.map((r) => r.toString('utf8', 0, 2))).toEqual(['+O', '*3', '*0', '$-']);
    const peer = await replayServer(replies, Number.POSITIVE_INFINITY);
    server = peer.server;
    const redis = await connectResp(target(peer.port));
    try {
      const popped = (await redis.lpop('usage', 10)) as string[];
      expect(popped).toHaveLength(3);
      const events = popped.map((p) => normalizeRecord(p));
      for (const [i, res] of events.entries()) {
        expect(res.ok).toBe(true);
        if (res.ok) expectMatchesRecord(res.event, JSON.parse(popped[i] as string));
      }
      expect(events.map((e) => e.ok && e.event.failed)).toEqual([false, false, true]);
      expect(await redis.lpop('usage', 10)).toEqual([]);
      expect(await redis.lpop('usage')).toBeNull();
    } finally {
      redis.disconnect();
    }
  });

  it('SUBSCRIBE usage gives the support_refresh control message first, then the records', async () => {
    const replies = splitReplies(readFileSync(new URL('usage-resp-subscribe.resp', dir)));
    const peer = await replayServer(replies, 2);
    server = peer.server;
    const redis = await connectResp(target(peer.port));
    const messages: string[] = [];
    redis.on('message', (_channel: string, payload: string) => messages.push(payload));
    try {
      await redis.subscribe('usage');
      const deadline = Date.now() + 5000;
      while (messages.length < 4 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      expect(messages).toHaveLength(4);
      expect(controlPayloadKind(messages[0])).toBe('support_refresh');
      const events = messages.slice(1).map((m) => normalizeRecord(m));
      expect(events.every((e) => e.ok)).toBe(true);
      expect(events.map((e) => e.ok && e.event.failed)).toEqual([false, false, true]);
      expect(messages.slice(1).map((m) => controlPayloadKind(m))).toEqual([null, null, null]);
    } finally {
      redis.disconnect();
    }
  });

  it('CPA’s RESP error texts are the ones the collector reports', () => {
    const replies = splitReplies(readFileSync(new URL('usage-resp-errors.resp', dir))).map((r) =>
      r.toString('utf8').trim(),
    );
    expect(replies).toEqual([
      '-NOAUTH Authentication required.',
      '-ERR invalid management key',
      '+OK',
      "-ERR unsupported channel 'other'",
      "-ERR unknown command 'ping'",
    ]);
  });
});
