// Fastify's pino, with every place a secret can appear redacted. Keys travel in headers (Authorization,
// X-Management-Key) and in setup/config bodies; none of them may reach a log line.
import type { FastifyServerOptions } from 'fastify';

export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers["x-management-key"]',
  'req.headers["proxy-authorization"]',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers["x-management-key"]',
  '*.managementKey',
  '*.cpaManagementKey',
  '*.adminKey',
  '*.dataKey',
  '*.password',
  '*.secret',
  'managementKey',
  'cpaManagementKey',
  'adminKey',
  'dataKey',
  '*.dbUrl',
  'dbUrl',
];

/** Removes secret-looking query parameters from a logged URL (`?key=…`, `?token=…`). */
export function redactUrl(rawUrl: string): string {
  // A share-link token travels in the path (/share/<token>, /v0/share/<token>).
  const url = rawUrl.replace(/\/share\/[^/?#]+/g, '/share/[redacted]');
  const q = url.indexOf('?');
  if (q < 0) return url;
  const params = new URLSearchParams(url.slice(q + 1));
  let changed = false;
  for (const name of [...params.keys()]) {
    if (/key|token|secret|password|auth/i.test(name)) {
      params.set(name, '[redacted]');
      changed = true;
    }
  }
  return changed ? `${url.slice(0, q)}?${params.toString()}` : url;
}

export type LoggerOption = FastifyServerOptions['logger'];

/** Logger options for fastify. `destination` lets tests capture the output (to scan it for secrets). */
export function loggerOptions(level: string, destination?: { write(chunk: string): void }): LoggerOption {
  if (level === 'silent' && !destination) return false;
  return {
    level,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    serializers: {
      req(request: { method: string; url: string; ip?: string; hostname?: string }) {
        return { method: request.method, url: redactUrl(request.url), remoteAddress: request.ip, hostname: request.hostname };
      },
    },
    ...(destination ? { stream: destination } : {}),
  } as LoggerOption;
}
