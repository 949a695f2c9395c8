// RESP over TLS (CPA with tls.enable): https base URL, self-signed certificate, tlsSkipVerify.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect, type Server as NetServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { createServer, type Server } from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { createCollector, type Collector } from '@cpamp/collector';
import { createCpaClient } from '@cpamp/sdk-cpa';
import { startFakeCpa, type FakeCpa } from '@cpamp/testkit';
import { MemorySink, record, tempDir, waitFor } from './helpers';

let fake: FakeCpa | null = null;
let collector: Collector | null = null;
let server: Server | NetServer | null = null;
const sockets = new Set<Socket>();
const dirs: { cleanup(): void }[] = [];
afterEach(async () => {
  await collector?.stop();
  collector = null;
  for (const s of sockets) s.destroy();
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = null;
  await fake?.close();
  fake = null;
  for (const d of dirs.splice(0)) d.cleanup();
});

/** A TLS terminator in front of the fake CPA (CPA itself serves RESP over TLS on its port). */
async function tlsFront(target: number): Promise<number> {
  const tmp = tempDir();
  dirs.push(tmp);
  const key = join(tmp.dir, 'key.pem');
  const cert = join(tmp.dir, 'cert.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '1',
      '-subj',
      '/CN=cpa.test',
    ],
    { stdio: 'ignore' },
  );
  const s = createServer({ key: readFileSync(key), cert: readFileSync(cert) }, (client) => {
    const up = connect(target, '127.0.0.1');
    sockets.add(client);
    sockets.add(up);
    client.pipe(up).pipe(client);
    client.on('error', () => up.destroy());
    up.on('error', () => client.destroy());
  });
  server = s;
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  return (s.address() as { port: number }).port;
}

describe('RESP subscribe over TLS', () => {
  it('connects with tlsSkipVerify to a self-signed CPA and refuses without it', async () => {
    fake = await startFakeCpa();
    const port = await tlsFront(fake.port);
    const plain = createCpaClient({ baseUrl: fake.url, managementKey: fake.managementKey });
    const base = {
      cpa: plain,
      baseUrl: `https://127.0.0.1:${port}`,
      managementKey: fake.managementKey,
      mode: 'subscribe' as const,
    };

    const strict = createCollector({
      ...base,
      sink: new MemorySink(),
      backoff: { initialMs: 20, maxMs: 40 },
    });
    await strict.start();
    await waitFor(() => strict.status().counters.reconnects >= 1);
    expect(strict.status().lastError?.message).toMatch(/certificate/i);
    await strict.stop();

    const sink = new MemorySink();
    collector = createCollector({ ...base, sink, tlsSkipVerify: true });
    await collector.start();
    await waitFor(() => fake?.subscriberCount('usage') === 1);
    for (let i = 0; i < 20; i++) fake.enqueueUsage(record(i));
    await waitFor(() => sink.rows.length === 20);
    expect(collector.status().transport).toBe('subscribe');
  });
});
