// startServer: build, listen first, then report; graceful shutdown on SIGTERM/SIGINT when asked to.
import { statSync } from 'node:fs';
import { removeMigrationBackups } from '@cpamp/store';
import { redactDbUrl } from './config/db-url';
import type { FastifyInstance } from 'fastify';
import { adminKeyBanner, buildApp, type AppDeps } from './app';
import type { Config } from './config';

export interface StartServerOptions extends AppDeps {
  /** Where human-readable lines go (the URL, the admin key banner); default process.stdout. */
  out?: { write(chunk: string): void };
  /** Install SIGTERM/SIGINT handlers that close the server and exit (default false: embedders decide). */
  handleSignals?: boolean;
}

export interface RunningServer {
  app: FastifyInstance;
  /** e.g. http://127.0.0.1:18317 (a wildcard host is shown as 127.0.0.1) */
  url: string;
  close(): Promise<void>;
}

/** The data directory holds usage history and encrypted secrets: say so when others can read it. */
function warnIfDataDirShared(app: FastifyInstance, dataDir: string): void {
  try {
    const mode = statSync(dataDir).mode & 0o777;
    if ((mode & 0o077) !== 0) {
      app.log.warn({ dataDir, mode: mode.toString(8) }, `the data directory is readable by group or others (mode ${mode.toString(8)}); run \`chmod 700 ${dataDir}\``);
    }
  } catch (error) {
    app.log.warn({ err: error, dataDir }, 'cannot check the data directory\'s permissions');
  }
}

export async function startServer(config: Config, options: StartServerOptions = {}): Promise<RunningServer> {
  const out = options.out ?? process.stdout;
  const startedAt = Date.now();
  const app = await buildApp(config, {
    onAdminKeyGenerated: (key) => out.write(adminKeyBanner(key)),
    onMigrationProgress: (line) => out.write(`${line}\n`),
    ...options,
  });
  try {
    await app.listen({ host: config.http.host, port: config.http.port });
  } catch (error) {
    // A failed listen (e.g. EADDRINUSE) must not keep the data-dir lock or the store open.
    await app.close();
    throw error;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.http.port;
  const shownHost = config.http.host === '0.0.0.0' || config.http.host === '::' ? '127.0.0.1' : config.http.host;
  const url = `http://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${port}`;
  const db = config.dbUrl !== null ? `, database ${redactDbUrl(config.dbUrl)} schema ${config.dbSchema}` : '';
  out.write(`cpamp ${url}/management.html (listening on ${config.http.host}:${port}, data ${config.dataDir}${db})\n`);
  warnIfDataDirShared(app, config.dataDir);
  // Started: copies taken before earlier schema migrations are no longer needed (this start's copy stays).
  if (config.dbUrl === null) for (const removed of removeMigrationBackups(config.dbPath, startedAt)) app.log.info({ removed }, 'removed an old pre-migration copy');

  let closing: Promise<void> | null = null;
  const close = (): Promise<void> => {
    closing ??= app.close();
    return closing;
  };
  if (options.handleSignals) {
    const onSignal = (signal: NodeJS.Signals): void => {
      app.log.info({ signal }, 'shutting down');
      const force = setTimeout(() => process.exit(1), 15_000);
      force.unref();
      close().then(
        () => process.exit(0),
        (error: unknown) => {
          app.log.error({ err: error }, 'error during shutdown');
          process.exit(1);
        },
      );
    };
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
  }
  return { app, url, close };
}
