// The building blocks the server's own behaviour tests assemble small apps from (a pool-only or an
// alerts-only Fastify instance, the live stream on its own). A deliberate test seam: it is not an entry of
// the published package, and production code never imports it.
export { createAlertEngine } from './alerts/alert-engine';
export { createSignalBus } from './alerts/signal-bus';
export type { AlertSignal, SignalBus } from './alerts/signal-bus';
export { demoPriceFile } from './cli/demo-prices';
export { EXIT, HELP, runCli } from './cli/run-cli';
export type { CliIo } from './cli/run-cli';
export type { CollectorHost } from './collector-host';
export { createConnectionService } from './connection';
export { errorHandler } from './error-handler';
export { createLiveHub } from './live/live-hub';
export type { LiveCollectorSource, LiveEntry, LiveHub } from './live/live-hub';
export { default as alertsPlugin } from './plugins/alerts';
export type { AlertsRuntime } from './plugins/alerts';
export { default as poolPlugin } from './plugins/pool';
export type { PoolService } from './pool/pool-service';
export { default as alertsRoutes } from './routes/alerts.routes';
export { default as poolRoutes } from './routes/pool.routes';
export { default as streamRoutes, STREAM_PATH } from './routes/stream.routes';
export { createRetentionService } from './maintenance/retention';
export { default as alertSilencesRoutes } from './routes/alert-silences.routes';
export { plusModelUsage } from './plus-compat/usage-summary';
