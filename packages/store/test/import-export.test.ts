import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { StoreImportError } from '../src/index';
import { makeEvent } from './helpers/events';
import { testNormalize } from './helpers/test-normalizer';
import { tempStores } from './helpers/temp-stores';

const fx = (n: string) => fileURLToPath(new URL(`./fixtures/${n}`, import.meta.url));
const temp = tempStores();
const open = () => temp.memory();
const tmp = () => temp.dir('cpamp-io-');
const collect = async (it: AsyncIterable<string>) => {
  let s = '';
  for await (const c of it) s += c;
  return s;
};

describe('JSONL export / import', () => {
  it('round-trips every field exactly and re-import is a no-op', async () => {
    const a = await open();
    await a.prices.set('gpt-5', { input: 1.25, output: 10, cacheRead: 0.125 });
    await a.insertBatch([
      makeEvent({ timestampMs: 1_000, requestId: 'abcdef01' }),
      makeEvent({
        timestampMs: 2_000,
        requestId: '',
        failed: true,
        statusCode: 429,
        failBody: 'quota',
        rateLimitHeaders: { 'retry-after': '30' },
      }),
      makeEvent({
        timestampMs: 2_000,
        requestId: 'legacy:xyz',
        model: 'unpriced',
        tokenQuality: 'legacy',
        generate: false,
      }),
    ]);
    const progress: number[] = [];
    const dump = await collect(
      a.io.exportJsonl({ batchSize: 2, onProgress: (p) => progress.push(p.exported) }),
    );
    expect(progress).toEqual([2, 3]);
    expect(dump.trim().split('\n')).toHaveLength(3);
    // Every line carries exactly the stored event's fields (id and price version are store-local), plus
    // the export-only cost_usd (costMicros as a decimal) and the key's alias.
    const stored = (await a.events.list({})).events.reverse();
    dump
      .trim()
      .split('\n')
      .forEach((l, i) => {
        const { id: _i, priceVersion: _p, costEstimated: _c, ...fields } = stored[i]!;
        const { cost_usd: usd, apiKeyAlias, ...line } = JSON.parse(l) as Record<string, unknown>;
        expect(line).toEqual(fields);
        expect(usd).toBe(fields.costMicros === null ? null : fields.costMicros / 1e6);
        expect(apiKeyAlias).toBeNull();
      });

    const b = await open();
    await b.prices.set('gpt-5', { input: 1.25, output: 10, cacheRead: 0.125 });
    const dir = tmp();
    writeFileSync(join(dir, 'x.jsonl'), dump);
    const r = await b.io.importJsonl(join(dir, 'x.jsonl'));
    expect(r).toMatchObject({ format: 'cpamp_jsonl', inserted: 3, duplicates: 0, rejected: 0 });
    expect(await collect(b.io.exportJsonl())).toBe(dump);
    expect(await a.io.importJsonl([dump])).toMatchObject({ inserted: 0, duplicates: 3 });
  });

  it('imports raw CPA queue records through the injected normaliser, and refuses without one', async () => {
    const s = await open();
    await expect(s.io.importJsonl(fx('raw-cpa-queue.jsonl'))).rejects.toMatchObject({
      code: 'import_source_invalid',
    });
    const r = await s.io.importJsonl(fx('raw-cpa-queue.jsonl'), { normalize: testNormalize });
    expect(r).toMatchObject({ format: 'raw_cpa_jsonl', inserted: 5, duplicates: 0, rejected: 0 });
    const t = await s.analytics.totals({ from: 0, to: 2 ** 50 });
    expect(t.tokens).toMatchObject({
      input: 4000 + 350 + 3000 + 4000,
      cacheRead: 8000 + 20000 + 1000,
      cacheCreation: 1500,
    });
    expect(t.failures).toBe(1);
  });

  it('a broken line never commits part of its chunk (per_chunk_resumable, stated in the report)', async () => {
    const s = await open();
    const good = readFileSync(fx('raw-cpa-queue.jsonl'), 'utf8').trim().split('\n');
    expect(good.length).toBe(5);
    // Chunks of 2: lines 1-2 and 3-4 commit; line 5 waits in the third chunk, line 6 is broken.
    const err = await s.io
      .importJsonl([`${good.join('\n')}\n{"timestamp": "2026-`], {
        normalize: testNormalize,
        chunkSize: 2,
        checkpointKey: 'chunks',
      })
      .catch((e: unknown) => e);
    expect((err as StoreImportError).line).toBe(6);
    expect((err as Error).message).toMatch(/Line 6 .*Lines 1-4 are committed .*resume after line 4/);
    expect(await s.events.count()).toBe(4);
    const r = await s.io.importJsonl(fx('raw-cpa-queue.jsonl'), {
      normalize: testNormalize,
      checkpointKey: 'chunks',
    });
    expect(r).toMatchObject({
      atomicity: 'per_chunk_resumable',
      chunkSize: 1000,
      resumedFrom: 4,
      committedThrough: 5,
      inserted: 1,
    });
    expect(await s.events.count()).toBe(5);
  });

  it('a broken line stops with its line number; earlier lines are committed and a checkpoint resumes', async () => {
    const s = await open();
    const err = await s.io
      .importJsonl(fx('raw-cpa-queue-corrupted.jsonl'), {
        normalize: testNormalize,
        checkpointKey: 'job1',
        chunkSize: 1,
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreImportError);
    expect((err as StoreImportError).line).toBe(3);
    expect((err as Error).message).toMatch(/Line 3 .* not valid JSON/);
    expect(await s.events.count()).toBe(2);
    // The fixed file resumes after line 2.
    const r = await s.io.importJsonl(fx('raw-cpa-queue.jsonl'), {
      normalize: testNormalize,
      checkpointKey: 'job1',
    });
    expect(r).toMatchObject({ resumedFrom: 2, inserted: 3, duplicates: 0 });
    expect(await s.events.count()).toBe(5);
    // A truncated last line is reported too; skip mode counts it instead.
    const t = await s.io
      .importJsonl(fx('raw-cpa-queue-truncated.jsonl'), { normalize: testNormalize })
      .catch((e: unknown) => e);
    expect((t as StoreImportError).line).toBe(5);
    const k = await s.io.importJsonl(fx('raw-cpa-queue-truncated.jsonl'), {
      normalize: testNormalize,
      onBrokenLine: 'skip',
    });
    expect(k).toMatchObject({
      inserted: 0,
      duplicates: 4,
      rejected: 1,
      rejections: [{ at: 5, reason: 'not valid JSON' }],
    });
  });

  it('imports Plus / CPA-Manager export lines, trusting their event_hash and key hash', async () => {
    const s = await open();
    const r = await s.io.importJsonl(fx('plus-export.jsonl'), { normalize: testNormalize });
    expect(r).toMatchObject({ format: 'plus_jsonl', inserted: 2 });
    const [newest, oldest] = (await s.events.list({})).events;
    expect(oldest).toMatchObject({
      model: 'gpt-5.4',
      alias: 'client-alias',
      apiKeyHash: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
      dedupKey: '5f0c' + '1'.repeat(12),
    });
    expect(newest).toMatchObject({ failed: true, statusCode: 529, failBody: 'overloaded_error' });
    expect(await s.io.importJsonl(fx('plus-export.jsonl'), { normalize: testNormalize })).toMatchObject({
      inserted: 0,
      duplicates: 2,
    });
  });

  it('imports a legacy snapshot (details[] only) with warnings; rejects aggregate-only and corrupted files', async () => {
    const s = await open();
    const r = await s.io.importFile(fx('legacy-usage-export.json'), { normalize: testNormalize });
    expect(r).toMatchObject({ format: 'legacy_snapshot', inserted: 4, rejected: 1 });
    expect(r.warnings).toEqual(
      expect.arrayContaining([
        'legacy_usage_metadata_is_partial',
        'legacy_usage_source_matching_may_be_approximate',
        'legacy_usage_models_without_details:1',
      ]),
    );
    const ep = await s.analytics.filterOptions({ from: 0, to: 2 ** 50 });
    expect(ep.keys.filter((k) => k.hash !== '')).toHaveLength(1);
    expect(await s.io.importFile(fx('legacy-usage-export.json'), { normalize: testNormalize })).toMatchObject(
      { inserted: 0, duplicates: 4 },
    );
    await expect(
      s.io.importFile(fx('legacy-aggregate-only.json'), { normalize: testNormalize }),
    ).rejects.toMatchObject({ code: 'import_no_details' });
    await expect(
      s.io.importFile(fx('legacy-corrupted.json'), { normalize: testNormalize }),
    ).rejects.toMatchObject({ code: 'import_parse_error' });
  });

  it('migrates a Plus usage.sqlite and a CPA-Manager usage.sqlite read-only, resumable by source id', async () => {
    const dir = tmp();
    const plusPath = join(dir, 'plus.sqlite');
    const src = new Database(plusPath);
    src.exec(`CREATE TABLE usage_events (id INTEGER PRIMARY KEY AUTOINCREMENT, request_id TEXT, event_hash TEXT UNIQUE NOT NULL,
      timestamp_ms INTEGER, timestamp TEXT, provider TEXT, executor_type TEXT, model TEXT NOT NULL, endpoint TEXT, method TEXT, path TEXT,
      client_ip TEXT, x_forwarded_for TEXT, user_agent TEXT, auth_type TEXT, auth_index TEXT, source TEXT, source_hash TEXT, api_key_hash TEXT,
      account_snapshot TEXT, auth_label_snapshot TEXT, auth_file_snapshot TEXT, auth_provider_snapshot TEXT, auth_project_id_snapshot TEXT,
      auth_snapshot_at_ms INTEGER, requested_model TEXT, resolved_model TEXT, reasoning_effort TEXT, service_tier TEXT,
      request_service_tier TEXT, response_service_tier TEXT, cache_input_mode TEXT, input_tokens INTEGER, output_tokens INTEGER,
      reasoning_tokens INTEGER, cached_tokens INTEGER, cache_tokens INTEGER, cache_read_tokens INTEGER, cache_creation_tokens INTEGER,
      normalized_uncached_input_tokens INTEGER, normalized_total_input_tokens INTEGER, normalized_cache_read_tokens INTEGER,
      normalized_cache_creation_tokens INTEGER, total_tokens INTEGER, latency_ms INTEGER, ttft_ms INTEGER, failed INTEGER,
      fail_status_code INTEGER, fail_summary TEXT, response_metadata_json TEXT, fail_body TEXT, raw_json TEXT, created_at_ms INTEGER)`);
    const ins =
      src.prepare(`INSERT INTO usage_events (request_id, event_hash, timestamp_ms, timestamp, provider, executor_type, model, endpoint,
      auth_type, auth_index, source, api_key_hash, requested_model, resolved_model, input_tokens, output_tokens, reasoning_tokens,
      cached_tokens, cache_read_tokens, cache_creation_tokens, total_tokens, latency_ms, ttft_ms, failed, fail_status_code, fail_summary, client_ip, user_agent)
      VALUES (?, ?, ?, ?, 'codex', 'codex', 'gpt-5', 'POST /v1/responses', 'oauth', ?, 'a***@x.com', ?, 'gpt-5', 'gpt-5', ?, 100, 20, 0, 0, 0, ?, 900, 100, ?, ?, ?, '10.0.0.1', 'codex_cli_rs/0.50.0')`);
    for (let i = 1; i <= 25; i++) {
      ins.run(
        `${(0xc0000000 + i).toString(16)}`,
        createHash('sha256').update(`plus-${i}`).digest('hex'),
        Date.UTC(2026, 4, 1) + i * 60_000,
        '',
        String(i % 4),
        'f'.repeat(64),
        1000 + i,
        1120 + i,
        i % 5 === 0 ? 1 : 0,
        i % 5 === 0 ? 429 : 0,
        i % 5 === 0 ? 'rate limited' : '',
      );
    }
    src.close();
    const s = await open();
    const progress: number[] = [];
    const r = await s.io.importFile(plusPath, {
      normalize: testNormalize,
      chunkSize: 10,
      onProgress: (p) => progress.push(p.inserted),
    });
    expect(r).toMatchObject({ format: 'plus_sqlite', read: 25, inserted: 25, rejected: 0 });
    expect(progress.at(-1)).toBe(25);
    expect(await s.analytics.totals({ from: 0, to: 2 ** 50 })).toMatchObject({ requests: 25, failures: 5 });
    expect((await s.events.list({ status: 429 })).events).toHaveLength(5);
    expect(await s.io.importSqlite(plusPath, { normalize: testNormalize })).toMatchObject({
      inserted: 0,
      duplicates: 25,
    });

    // Old CPA-Manager: few columns and the raw record in raw_json.
    const oldPath = join(dir, 'old.sqlite');
    const o = new Database(oldPath);
    o.exec(`CREATE TABLE usage_events (id INTEGER PRIMARY KEY, event_hash TEXT, timestamp TEXT, model TEXT, endpoint TEXT, source TEXT,
      auth_index TEXT, input_tokens INTEGER, output_tokens INTEGER, reasoning_tokens INTEGER, cached_tokens INTEGER, total_tokens INTEGER,
      failed INTEGER, latency_ms INTEGER, raw_json TEXT)`);
    const raw = JSON.parse(readFileSync(fx('raw-cpa-queue.jsonl'), 'utf8').split('\n')[0]!);
    o.prepare('INSERT INTO usage_events VALUES (1, ?, ?, ?, ?, ?, ?, 1, 1, 1, 1, 1, 0, 1, ?)').run(
      'ab'.repeat(32),
      raw.timestamp,
      raw.model,
      raw.endpoint,
      raw.source,
      raw.auth_index,
      JSON.stringify(raw),
    );
    o.close();
    const r2 = await s.io.importFile(oldPath, { normalize: testNormalize });
    expect(r2).toMatchObject({ format: 'cpa_manager_sqlite', inserted: 1 });
    expect((await s.events.list({ model: 'gpt-5-codex' })).events[0]).toMatchObject({
      cacheReadTokens: 8000,
      inputTokens: 4000,
      dedupKey: 'ab'.repeat(8),
    });
    await expect(
      s.io.importSqlite(join(dir, 'missing.sqlite'), { normalize: testNormalize }),
    ).rejects.toMatchObject({ code: 'import_source_invalid' });
  });

  it('builds the compatible legacy /usage payload, streamed and grouped endpoint → model', async () => {
    const s = await open();
    await s.io.importJsonl(fx('raw-cpa-queue.jsonl'), { normalize: testNormalize });
    const body = JSON.parse(await collect(s.io.usagePayload({ from: 0, to: 2 ** 50 })));
    expect(body).toMatchObject({ total_requests: 5, success_count: 4, failure_count: 1 });
    expect(Object.keys(body.apis)).toEqual([
      'POST /v1/chat/completions',
      'POST /v1/messages',
      'POST /v1/responses',
      'POST /v1beta/models/*action',
    ]);
    const chat = body.apis['POST /v1/chat/completions'].models['gpt-5'];
    expect(chat.total_requests).toBe(2);
    expect(chat.details.map((d: { failed: boolean }) => d.failed)).toEqual([false, true]); // newest first
    expect(body.apis['POST /v1/responses'].models['gpt-5-codex'].details[0].tokens).toMatchObject({
      input_tokens: 12000,
      cached_tokens: 8000,
      output_tokens: 900,
    });
    const limited = JSON.parse(await collect(s.io.usagePayload({ from: 0, to: 2 ** 50, limit: 1 })));
    expect(limited.total_requests).toBe(1);
  });
});
