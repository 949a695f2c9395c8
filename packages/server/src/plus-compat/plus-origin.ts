// Which of cpamp's routes CPA Manager Plus v1.12.2 also serves (its router.go and controllers): the HTTP
// reference marks them, so a Plus user sees which calls keep working after the switch. Paths are cpamp's
// route patterns (the proxied CPA routes, which Plus forwards too, are CPA's own and not listed).

const PLUS_ROUTES: readonly string[] = [
  'GET /health',
  'GET /status',
  'GET /usage-service/info',
  'GET /usage-service/config',
  'PUT /usage-service/config',
  'GET /usage-service/account-processing-policy',
  'PATCH /usage-service/account-processing-policy',
  'GET /usage-service/quota-cooldowns',
  'POST /setup',
  'GET /v0/management/usage',
  'GET /v0/management/usage/export',
  'POST /v0/management/usage/import',
  'POST /v0/management/usage/import-sessions',
  'GET /v0/management/usage/import-sessions/:id',
  'DELETE /v0/management/usage/import-sessions/:id',
  'PUT /v0/management/usage/import-sessions/:id/chunk',
  'POST /v0/management/usage/import-sessions/:id/complete',
  'GET /v0/management/model-prices',
  'PUT /v0/management/model-prices',
  'POST /v0/management/model-prices/sync',
  'GET /v0/management/model-prices/usage-summary',
  'GET /v0/management/api-key-aliases',
  'PUT /v0/management/api-key-aliases',
  'DELETE /v0/management/api-key-aliases/:hash',
  'GET /v0/management/account-action-candidates',
  'POST /v0/management/account-action-candidates/:id/:action',
  'DELETE /v0/management/account-action-candidates/:id/auth-file',
  'POST /v0/management/codex-inspection/run',
  'GET /v0/management/codex-inspection/runs',
  'GET /v0/management/codex-inspection/runs/:id',
  'POST /v0/management/codex-inspection/runs/:id/cancel',
  'POST /v0/management/codex-inspection/runs/:id/actions',
  'GET /v0/management/dashboard/summary',
  'POST /v0/management/monitoring/analytics',
  'POST /v0/management/monitoring/account-history',
  'POST /v0/management/monitoring/account-window-usage',
  'GET /v0/management/monitoring/header-snapshots',
  'POST /v0/management/quota-snapshots',
  'POST /v0/management/quota-snapshots/query',
  'GET /models',
  'GET /v1/models',
];
const SET = new Set(PLUS_ROUTES);

/** True when CPA Manager Plus v1.12.2 answers this method and cpamp route pattern too. */
export function isPlusRoute(method: string, url: string): boolean {
  return SET.has(`${method.toUpperCase()} ${url}`);
}
