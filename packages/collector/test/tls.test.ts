// RESP over TLS (CPA with tls.enable): https base URL, self-signed certificate, tlsSkipVerify.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { createServer } from 'node:tls';
import { describe, expect, it } from 'vitest';
import { createCpaClient } from '@cpamp/sdk-cpa';
import { MemorySink, record, useCollectorHarness, waitFor } from './helpers';

const h = useCollectorHarness();

/** A TLS terminator in front of the fake CPA (CPA itself serves RESP over TLS on its port). */
async function tlsFront(target: number): Promise<number> {
  const dir = h.tempDir();
  const key = join(dir, 'key.pem');
  const cert = join(dir, 'cert.pem');
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
  const sockets = new Set<Socket>();
  const s = createServer({ key: readFileSync(key), cert: readFileSync(cert) }, (client) => {
    const up = connect(target, '127.0.0.1');
    sockets.add(client);
    sockets.add(up);
    client.pipe(up).pipe(client);
    client.on('error', () => up.destroy());
    up.on('error', () => client.destroy());
  });
  h.onTeardown(async () => {
    for (const sock of sockets) sock.destroy();
    await new Promise<void>((r) => s.close(() => r()));
  });
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  return (s.address() as { port: number }).port;
}

describe('RESP subscribe over TLS', () => {
  it('connects with tlsSkipVerify to a self-signed CPA and refuses without it', async () => {
    const fake = await h.startFake();
    const port = await tlsFront(fake.port);
    const plain = createCpaClient({ baseUrl: fake.url, managementKey: fake.managementKey });
    const base = {
      cpa: plain,
      baseUrl: `https://127.0.0.1:${port}`,
      managementKey: fake.managementKey,
      mode: 'subscribe' as const,
    };

    const strict = h.collector({ ...base, backoff: { initialMs: 20, maxMs: 40 } });
    await strict.start();
    await waitFor(() => strict.status().counters.reconnects >= 1);
    expect(strict.status().lastError?.message).toMatch(/certificate/i);
    await strict.stop();

    const sink = new MemorySink();
    const collector = h.collector({ ...base, sink, tlsSkipVerify: true });
    await collector.start();
    await waitFor(() => fake.subscriberCount('usage') === 1);
    for (let i = 0; i < 20; i++) fake.enqueueUsage(record(i));
    await waitFor(() => sink.rows.length === 20);
    expect(collector.status().transport).toBe('subscribe');
  });
});
