// Rate-limit headers stored compactly (events/header-codec.ts, migration 0028): every reader — the event
// list, get, the JSONL export and the pool's evidence feed — returns exactly the object that was inserted,
// for real-world header sets and odd ones, on SQLite (compact rows) and Postgres (JSON rows).
import { describe, expect, it } from 'vitest';
import type { PgStoreRepositories, UsageEventInput } from '../../src/index';
import { makeEvent } from '../helpers/events';

/** Header sets as CPA relays them (after the collector's filter) and the odd ones a store must keep as given. */
export function headerSets(): Record<string, Record<string, string> | undefined> {
  return {
    codex: {
      'x-codex-primary-used-percent': '95',
      'x-codex-primary-window-minutes': '300',
      'x-codex-primary-reset-after-seconds': '833',
      'x-codex-secondary-used-percent': '24',
      'x-codex-secondary-window-minutes': '10080',
      'x-codex-secondary-reset-after-seconds': '454745',
      'x-codex-plan-type': 'plus',
    },
    codexAgain: {
      'x-codex-primary-used-percent': '100',
      'x-codex-primary-window-minutes': '300',
      'x-codex-primary-reset-after-seconds': '6898',
      'x-codex-secondary-used-percent': '80',
      'x-codex-secondary-window-minutes': '10080',
      'x-codex-secondary-reset-after-seconds': '116091',
      'x-codex-plan-type': 'plus',
    },
    claudeUnified: {
      'anthropic-ratelimit-unified-status': 'allowed',
      'anthropic-ratelimit-unified-5h-status': 'allowed',
      'anthropic-ratelimit-unified-5h-utilization': '0.47',
      'anthropic-ratelimit-unified-5h-reset': '1784831928',
      'anthropic-ratelimit-unified-representative-claim': 'five_hour',
    },
    claudeKey429: {
      'anthropic-ratelimit-requests-limit': '4000',
      'anthropic-ratelimit-requests-remaining': '0',
      'retry-after': '30',
      'x-should-retry': 'true',
      'x-request-id': 'req_011CUu9f7q2Ew3jZ',
    },
    // The same names in another order: another set.
    reordered: { 'retry-after': '30', 'anthropic-ratelimit-requests-limit': '4000' },
    // A repeated header as the collector keeps it (values joined), and names differing only in case.
    repeated: { 'x-ratelimit-limit-requests': '100, 200', 'Retry-After': '1', 'retry-after': '2' },
    unicode: { 'x-ratelimit-名前': 'значение 😀 ü', 'x-codex-plan-type': '团队' },
    emptyValue: { 'retry-after': '' },
    emptyValues: { 'x-ratelimit-a': '', 'x-ratelimit-b': '', 'x-ratelimit-c': 'c' },
    quotes: { 'x-openai-ide-error-code': 'a"b\\c', 'x-ratelimit-path': 'C:\\Temp' },
    integerNames: { '10': 'ten', 'x-b': 'b', '2': 'two' },
    huge: Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`x-ratelimit-h${i}`, 'v'.repeat(i * 50)])),
    hugeValue: { 'x-ratelimit-reset': 'x'.repeat(100_000) },
    // What the compact form cannot hold as it is: these stay JSON, and read the same.
    separator: { 'x-ratelimit-a': 'one\u001ftwo', 'x-ratelimit-b': 'b' },
    controls: { 'x-ratelimit-a': 'line\nbreak\ttab' },
    backslashU: { 'x-ratelimit-path': 'C:\\users\\u0041' },
    loneSurrogate: { 'x-ratelimit-a': 'bad \ud800 pair' },
    protoName: JSON.parse('{"__proto__":"p","constructor":"c"}') as Record<string, string>,
    none: undefined,
  };
}

/** What a reader returned before 0028: the JSON text the store kept, parsed. */
const asBefore = (h: Record<string, string> | undefined) =>
  h ? (JSON.parse(JSON.stringify(h)) as unknown) : undefined;

/** The inputs of `headerSets()`, one event each (every third also failed with a body, none without headers). */
export function headerEvents(): UsageEventInput[] {
  return Object.entries(headerSets()).map(([name, h], i) =>
    makeEvent({
      requestId: `hdr-${name}`,
      timestampMs: Date.UTC(2026, 7, 22, 14, 0, i),
      ...(h ? { rateLimitHeaders: h } : {}),
      ...(i % 3 === 0 ? { failed: true, statusCode: 429, failBody: `{"error":"limit ${name}"}` } : {}),
    }),
  );
}

async function collect(it: AsyncIterable<string>): Promise<string> {
  let s = '';
  for await (const x of it) s += x;
  return s;
}

/** Checks every reader of `s` against the inputs it holds. */
export async function expectHeadersRead(s: PgStoreRepositories, inputs: UsageEventInput[]): Promise<void> {
  const byReq = new Map(inputs.map((e) => [e.requestId, e]));
  const listed = (await s.events.list({}, { limit: 500 })).events;
  expect(listed).toHaveLength(inputs.length);
  for (const got of listed) {
    const want = byReq.get(got.requestId)!;
    expect(got.rateLimitHeaders, got.requestId).toEqual(asBefore(want.rateLimitHeaders));
    expect(JSON.stringify(got.rateLimitHeaders), got.requestId).toBe(JSON.stringify(want.rateLimitHeaders));
    expect(got.failBody).toBe(want.failBody);
    expect(await s.events.get(got.id)).toEqual(got);
  }
  const lines = (await collect(s.io.exportJsonl({ batchSize: 4 }))).trim().split('\n');
  expect(lines).toHaveLength(inputs.length);
  for (const line of lines) {
    const row = JSON.parse(line) as { requestId: string; rateLimitHeaders?: unknown };
    const want = byReq.get(row.requestId)!;
    if (want.rateLimitHeaders)
      expect(line).toContain(`"rateLimitHeaders":${JSON.stringify(want.rateLimitHeaders)},`);
    else expect(line).not.toContain('"rateLimitHeaders"');
  }
  const evidence = await s.events.evidenceAfter(0, 500);
  const idToReq = new Map(listed.map((e) => [e.id, e.requestId]));
  const withExtra = inputs.filter((e) => e.rateLimitHeaders || e.failBody);
  expect(evidence).toHaveLength(withExtra.length);
  for (const r of evidence) {
    const want = byReq.get(idToReq.get(r.eventId)!)!;
    expect(r.headers).toEqual(asBefore(want.rateLimitHeaders) ?? null);
    expect(JSON.stringify(r.headers)).toBe(JSON.stringify(want.rateLimitHeaders ?? null));
  }
}

export function defineHeaderCases(fresh: () => Promise<PgStoreRepositories>): void {
  describe('rate-limit headers', () => {
    it('every reader returns the inserted headers exactly: real sets, repeated names, unicode, huge, odd, none', async () => {
      const s = await fresh();
      const inputs = headerEvents();
      // Two batches: the second reuses the first one's header sets.
      await s.insertBatch(inputs.slice(0, 8));
      await s.insertBatch(inputs.slice(8));
      await expectHeadersRead(s, inputs);
    });

    it('the export round-trips the headers into a new store', async () => {
      const s = await fresh();
      // The import's own parsing drops a `__proto__` key (as before the compact form): not part of this case.
      const inputs = headerEvents().filter((e) => e.requestId !== 'hdr-protoName');
      await s.insertBatch(inputs);
      const dump = await collect(s.io.exportJsonl());
      const back = await fresh();
      expect(await back.io.importJsonl([dump])).toMatchObject({ format: 'cpamp_jsonl', rejected: 0 });
      expect(await collect(back.io.exportJsonl())).toBe(dump);
    });
  });
}
