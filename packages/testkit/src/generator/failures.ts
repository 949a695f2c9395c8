/** Realistic failed attempts per provider family: status code, error body, latency, retryability. */
import { WeightedPicker, type Prng } from './prng';
import type { ProviderFamily } from './types';

export interface Failure {
  status: number;
  body: string;
  latencyMs: number;
  /** CPA moves on to another credential for this kind of failure. */
  retryable: boolean;
  /** For 429 usage-limit failures: seconds until the window resets (drives response headers). */
  resetsInSeconds: number;
}

type Kind = 'quota' | 'auth' | 'server' | 'gateway' | 'overloaded' | 'bad-request';

const KIND_WEIGHTS: Record<ProviderFamily, [Kind, number][]> = {
  codex: [
    ['quota', 55],
    ['auth', 12],
    ['server', 13],
    ['gateway', 12],
    ['bad-request', 8],
  ],
  claude: [
    ['quota', 35],
    ['overloaded', 25],
    ['auth', 12],
    ['server', 12],
    ['gateway', 8],
    ['bad-request', 8],
  ],
  gemini: [
    ['quota', 50],
    ['overloaded', 20],
    ['server', 15],
    ['auth', 7],
    ['bad-request', 8],
  ],
  'openai-compatible': [
    ['quota', 40],
    ['gateway', 25],
    ['server', 20],
    ['auth', 7],
    ['bad-request', 8],
  ],
};

const PICKERS = new Map<ProviderFamily, WeightedPicker<Kind>>(
  (Object.keys(KIND_WEIGHTS) as ProviderFamily[]).map((f) => {
    const entries = KIND_WEIGHTS[f];
    return [
      f,
      new WeightedPicker(
        entries.map((e) => e[0]),
        entries.map((e) => e[1]),
      ),
    ];
  }),
);

const json = (v: unknown): string => JSON.stringify(v);

function quota(
  rng: Prng,
  family: ProviderFamily,
  planType: string,
): { status: number; body: string; resets: number } {
  switch (family) {
    case 'codex': {
      // 5-hour window mostly, sometimes the weekly one.
      const resets = rng.chance(0.8) ? rng.int(30, 18_000) : rng.int(18_000, 604_800);
      return {
        status: 429,
        resets,
        body: json({
          error: {
            type: 'usage_limit_reached',
            message: 'The usage limit has been reached',
            plan_type: planType || 'plus',
            resets_in_seconds: resets,
          },
        }),
      };
    }
    case 'claude':
      return {
        status: 429,
        resets: rng.int(60, 18_000),
        body: json({
          type: 'error',
          error: {
            type: 'rate_limit_error',
            message: "This request would exceed your account's rate limit. Please try again later.",
          },
          request_id: `req_011C${rng.chars(20, 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz123456789')}`,
        }),
      };
    case 'gemini':
      return {
        status: 429,
        resets: rng.int(10, 86_400),
        body: json({
          error: {
            code: 429,
            message: 'Resource has been exhausted (e.g. check quota).',
            status: 'RESOURCE_EXHAUSTED',
          },
        }),
      };
    case 'openai-compatible':
      return {
        status: 429,
        resets: rng.int(5, 3600),
        body: json({
          error: {
            message: 'Rate limit exceeded: free-models-per-min.',
            code: 429,
            metadata: { headers: { 'X-RateLimit-Limit': '20' } },
          },
        }),
      };
  }
}

function body(
  rng: Prng,
  family: ProviderFamily,
  kind: Exclude<Kind, 'quota'>,
): { status: number; body: string } {
  switch (kind) {
    case 'auth':
      if (family === 'claude') {
        return {
          status: 401,
          body: json({
            type: 'error',
            error: {
              type: 'authentication_error',
              message: 'OAuth token has expired. Please obtain a new token or refresh your existing token.',
            },
          }),
        };
      }
      if (family === 'gemini') {
        return {
          status: 401,
          body: json({
            error: {
              code: 401,
              message:
                'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.',
              status: 'UNAUTHENTICATED',
            },
          }),
        };
      }
      return {
        status: 401,
        body: json({
          error: {
            message: 'Provided authentication token is expired. Please try signing in again.',
            type: null,
            code: 'token_expired',
            param: null,
          },
          status: 401,
        }),
      };
    case 'server':
      if (family === 'claude')
        return {
          status: 500,
          body: json({ type: 'error', error: { type: 'api_error', message: 'Internal server error' } }),
        };
      if (family === 'gemini')
        return {
          status: 500,
          body: json({
            error: {
              code: 500,
              message:
                'An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting',
              status: 'INTERNAL',
            },
          }),
        };
      return {
        status: 500,
        body: json({
          error: {
            message:
              'An error occurred while processing your request. You can retry your request, or contact us through our help center if the error persists.',
            type: 'server_error',
            param: null,
            code: null,
          },
        }),
      };
    case 'gateway':
      return rng.chance(0.5)
        ? {
            status: 502,
            body: '<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>cloudflare</center>\r\n</body>\r\n</html>\r\n',
          }
        : { status: 502, body: 'stream error: stream ID 1; INTERNAL_ERROR; received from peer' };
    case 'overloaded':
      if (family === 'claude')
        return {
          status: 529,
          body: json({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }),
        };
      return {
        status: 503,
        body: json({
          error: {
            code: 503,
            message: 'The model is overloaded. Please try again later.',
            status: 'UNAVAILABLE',
          },
        }),
      };
    case 'bad-request':
      if (family === 'claude') {
        return {
          status: 400,
          body: json({
            type: 'error',
            error: {
              type: 'invalid_request_error',
              message: `prompt is too long: ${rng.int(200_001, 260_000)} tokens > 200000 maximum`,
            },
          }),
        };
      }
      return {
        status: 400,
        body: json({
          error: {
            message:
              'Your input exceeds the context window of this model. Please adjust your input and try again.',
            type: 'invalid_request_error',
            param: 'input',
            code: 'context_length_exceeded',
          },
        }),
      };
  }
}

export function drawFailure(rng: Prng, family: ProviderFamily, planType: string): Failure {
  const kind = (PICKERS.get(family) as WeightedPicker<Kind>).pick(rng);
  if (kind === 'quota') {
    const q = quota(rng, family, planType);
    return {
      status: q.status,
      body: q.body,
      latencyMs: Math.round(rng.logNormal(350, 0.6)) + 20,
      retryable: true,
      resetsInSeconds: q.resets,
    };
  }
  const b = body(rng, family, kind);
  let latencyMs: number;
  if (kind === 'gateway')
    latencyMs = rng.chance(0.3) ? rng.int(30_000, 120_000) : Math.round(rng.logNormal(2500, 0.8));
  else if (kind === 'server' || kind === 'overloaded') latencyMs = Math.round(rng.logNormal(1800, 1.0));
  else latencyMs = Math.round(rng.logNormal(300, 0.5)) + 15;
  return { status: b.status, body: b.body, latencyMs, retryable: kind !== 'bad-request', resetsInSeconds: 0 };
}
