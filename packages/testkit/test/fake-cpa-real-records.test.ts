// The fake CPA's usage records against the real CPA v7.2.140's (test/fixtures/cpa-v7.2.140, recorded by
// test/fixtures/record/record.mjs): every field the real program writes, the fake writes too, with the same JSON
// type, so a test that passes against the fake meets the same record shape as production.
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { encodeCommand, generateUsage, startFakeCpa } from '@cpamp/testkit';
import { describe, expect, it } from 'vitest';

const real = JSON.parse(
  readFileSync(new URL('../../../test/fixtures/cpa-v7.2.140/usage-queue-http.json', import.meta.url), 'utf8'),
) as Record<string, unknown>[];

/** `path:type` for every leaf; response headers are a free-form map, so only their presence counts. */
function shape(value: unknown, prefix = ''): string[] {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return [`${prefix}:${Array.isArray(value) ? 'array' : value === null ? 'null' : typeof value}`];
  }
  return Object.entries(value).flatMap(([k, v]) =>
    k === 'response_headers'
      ? [`${prefix}${k}:object`]
      : shape(v, `${prefix}${k}.`).map((s) => s.replace(/\.:/, ':')),
  );
}

// Fields CPA writes with omitempty, which an API-key request through an OpenAI-compatible provider leaves out.
const OMITEMPTY_ONLY_IN_OTHER_REQUESTS = ['access_token_sha256:string', 'response_service_tier:string'];

describe('fake CPA records vs the real CPA v7.2.140', () => {
  it('carry every field of the real records, with the same types', () => {
    const realShape = new Set(real.flatMap((r) => shape(r)));
    const fakeShape = new Set([...generateUsage({ events: 300, seed: 7, days: 1 })].flatMap((r) => shape(r)));
    expect([...realShape].filter((s) => !fakeShape.has(s))).toEqual([]);
    expect([...fakeShape].filter((s) => !realShape.has(s)).sort()).toEqual(OMITEMPTY_ONLY_IN_OTHER_REQUESTS);
  });
});

describe('fake CPA RESP answers vs the real CPA v7.2.140', () => {
  it('gives the same bytes to a command before AUTH, a wrong key, an unknown channel and an unknown command', async () => {
    const recorded = readFileSync(
      new URL('../../../test/fixtures/cpa-v7.2.140/usage-resp-errors.resp', import.meta.url),
      'utf8',
    );
    const fake = await startFakeCpa({ managementKey: 'fixture-management-key-7f3a' });
    const socket = connect(Number(new URL(fake.url).port), '127.0.0.1');
    try {
      await once(socket, 'connect');
      let got = '';
      socket.on('data', (d: Buffer) => (got += d.toString('utf8')));
      for (const args of [
        ['LPOP', 'usage'],
        ['AUTH', 'wrong-key'],
        ['AUTH', 'fixture-management-key-7f3a'],
        ['LPOP', 'other'],
        ['PING'],
      ]) {
        const before = got.length;
        socket.write(encodeCommand(args));
        const deadline = Date.now() + 2000;
        while (got.length === before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
      }
      expect(got).toBe(recorded);
    } finally {
      socket.destroy();
      await fake.close();
    }
  });
});

describe('fake CPA path matching vs the real CPA v7.2.140', () => {
  const recorded = JSON.parse(
    readFileSync(
      new URL('../../../test/fixtures/cpa-v7.2.140/management-paths.json', import.meta.url),
      'utf8',
    ),
  ) as { path: string; status: number; location: string | null }[];

  it('answers escaped, doubled, dotted and trailing-slash paths with the real status codes', async () => {
    const fake = await startFakeCpa({ managementKey: 'fixture-management-key-7f3a' });
    try {
      const port = Number(new URL(fake.url).port);
      const got = [];
      for (const { path } of recorded) {
        const answer = await new Promise<{ status: number; location: string | null }>(
          (resolveGet, reject) => {
            const req = request(
              {
                host: '127.0.0.1',
                port,
                path,
                headers: { authorization: 'Bearer fixture-management-key-7f3a' },
              },
              (res) => {
                res.resume();
                res.on('end', () =>
                  resolveGet({ status: res.statusCode ?? 0, location: res.headers.location ?? null }),
                );
              },
            );
            req.on('error', reject);
            req.end();
          },
        );
        got.push({ path, ...answer });
      }
      expect(got).toEqual(recorded.map(({ path, status, location }) => ({ path, status, location })));
    } finally {
      await fake.close();
    }
  });
});
