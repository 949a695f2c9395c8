// The value types of the config table: each reads a raw value (a string from env or a flag, any JSON value
// from config.json) into its typed form, and carries the zod schema of that form (which builds
// `ConfigSchema`) and the text the generated reference shows for it. A bad value throws `InvalidValue`;
// the loader turns it into a ConfigError naming the key the value came from.
import { isAbsolute, resolve } from 'node:path';
import { isIP } from 'node:net';
import { z } from 'zod';

/** A raw value that does not fit its type; `value` is what the error message shows. */
export class InvalidValue extends Error {
  constructor(
    readonly value: string,
    readonly problem: string,
    readonly fix: string,
  ) {
    super(problem);
  }
}

export interface ReadContext {
  /** Folder relative paths resolve from: the config file's folder for file keys, else the working directory. */
  base: string;
  /** The key's default, for examples in error messages. */
  default: unknown;
}

export interface ValueType<S extends z.ZodType = z.ZodType> {
  /** The resolved value's schema (a field of ConfigSchema). */
  schema: S;
  read(value: unknown, ctx: ReadContext): z.output<S>;
  /** Markdown for the reference's "Values" column. */
  values: string;
  /** Plain text for `--help` when the values are a short closed list. */
  hint?: string;
  /** Markdown appended to the config.json key (e.g. which JSON shapes it accepts). */
  fileNote?: string;
}

const TRUE = new Set(['1', 'true', 'yes', 'on']);
const FALSE = new Set(['0', 'false', 'no', 'off', '']);

function readString(value: unknown): string {
  if (typeof value !== 'string') throw new InvalidValue(JSON.stringify(value), 'expected a string', 'quote the value in the config file');
  return value;
}

/** A string as given; `trim` trims it and `emptyAsDefault` turns an empty result into the default. */
export function text(options: { trim?: boolean; emptyAsDefault?: boolean } = {}): ValueType<z.ZodString> {
  return {
    schema: z.string().min(options.emptyAsDefault ? 1 : 0),
    values: 'string',
    read(value, ctx) {
      const s = options.trim ? readString(value).trim() : readString(value);
      return s === '' && options.emptyAsDefault ? (ctx.default as string) : s;
    },
  };
}

/** A file or folder; relative paths resolve from the context's base. */
export function path(): ValueType<z.ZodString> {
  return {
    schema: z.string().min(1),
    values: 'path',
    read(value, ctx) {
      const s = readString(value).trim();
      if (s === '') throw new InvalidValue(s, 'the path is empty', 'set a path or unset the variable');
      return isAbsolute(s) ? s : resolve(ctx.base, s);
    },
  };
}

/** The same type, with null (= not set) as a possible value. */
export function nullable<S extends z.ZodType>(type: ValueType<S>): ValueType<z.ZodNullable<S>> {
  return { ...type, schema: type.schema.nullable(), read: (value, ctx) => type.read(value, ctx) };
}

/** A secret: a non-empty string (from env, or the contents of a secret file), null when none is set. */
export function secretText(): ValueType<z.ZodNullable<z.ZodString>> {
  return { schema: z.string().min(1).nullable(), values: 'secret', read: (value) => readString(value).trim() };
}

export function integer(min: number, max: number, options: { example?: number } = {}): ValueType<z.ZodNumber> {
  return {
    schema: z.number().int().min(min).max(max),
    values: max === Number.MAX_SAFE_INTEGER ? `integer ≥ ${min}` : `integer ${min}–${max}`,
    read(value, ctx) {
      const n = typeof value === 'number' ? value : typeof value === 'string' && /^\s*-?\d+\s*$/.test(value) ? Number(value) : NaN;
      if (!Number.isSafeInteger(n) || n < min || n > max) {
        const example = options.example ?? ctx.default;
        throw new InvalidValue(String(value), `expected an integer from ${min} to ${max}`, `set it to e.g. ${String(example)}, or unset it for the default`);
      }
      return n;
    },
  };
}

export function boolean(): ValueType<z.ZodBoolean> {
  return {
    schema: z.boolean(),
    values: 'boolean',
    read(value) {
      if (typeof value === 'boolean') return value;
      if (typeof value === 'string') {
        const v = value.trim().toLowerCase();
        if (TRUE.has(v)) return true;
        if (FALSE.has(v)) return false;
      }
      throw new InvalidValue(String(value), 'expected a boolean', 'use true/false (also 1/0, yes/no, on/off)');
    },
  };
}

/** One of a closed list, matched case-insensitively. */
export function oneOf<const T extends readonly [string, ...string[]]>(allowed: T): ValueType<z.ZodEnum<{ [K in T[number]]: K }>> {
  return {
    schema: z.enum(allowed),
    values: allowed.map((v) => `\`${v}\``).join(', '),
    hint: allowed.join(' | '),
    read(value) {
      const v = typeof value === 'string' ? value.trim().toLowerCase() : value;
      if (typeof v === 'string' && (allowed as readonly string[]).includes(v)) return v as T[number];
      throw new InvalidValue(String(value), `expected one of ${allowed.join(', ')}`, `set it to one of: ${allowed.join(' | ')}`);
    },
  };
}

/** `host:port`, `:port` (all interfaces) or `[v6]:port`. */
export function httpAddr(): ValueType<z.ZodObject<{ host: z.ZodString; port: z.ZodNumber }>> {
  return {
    schema: z.object({ host: z.string().min(1), port: z.number().int().min(0).max(65535) }),
    values: '`host:port`, `:port`, `[::1]:port`',
    read(value) {
      const s = readString(value);
      const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(s.trim());
      const port = m ? Number(m[3]) : NaN;
      if (!m || !(port >= 0 && port <= 65535)) {
        throw new InvalidValue(s, 'expected host:port', 'use e.g. 0.0.0.0:18317, 127.0.0.1:18317 or :18317');
      }
      const host = m[1] ?? m[2] ?? '';
      return { host: host === '' ? '0.0.0.0' : host, port };
    },
  };
}

/** A port number given as text (the `--port` flag). */
export function readPort(value: string): number {
  if (!/^\d{1,5}$/.test(value.trim()) || Number(value) > 65535) {
    throw new InvalidValue(value, 'expected a port number', 'use an integer between 0 and 65535, e.g. 18317');
  }
  return Number(value);
}

/**
 * CPA base URL normalisation (as Plus): trim, add http:// when there is no scheme, drop a trailing '/',
 * then a trailing '/v0/management', then '/v0'. Returns null for an empty input; throws on a non-URL.
 */
export function normalizeCpaBaseUrl(input: string): string | null {
  let value = input.trim();
  if (value === '') return null;
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) value = `http://${value}`;
  value = value.replace(/\/+$/, '');
  value = value.replace(/\/v0\/management$/i, '').replace(/\/v0$/i, '').replace(/\/+$/, '');
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new TypeError(`not a URL: ${input}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError(`unsupported scheme ${url.protocol}`);
  if (url.username || url.password) throw new TypeError('credentials in the URL are not allowed');
  if (url.search || url.hash) throw new TypeError('a query string or fragment is not allowed');
  return value;
}

export function cpaUrl(): ValueType<z.ZodNullable<z.ZodString>> {
  return {
    schema: z.string().nullable(),
    values: 'URL; `http://` is added when there is no scheme, a trailing `/v0/management` or `/v0` is dropped',
    read(value) {
      const s = readString(value);
      try {
        return normalizeCpaBaseUrl(s);
      } catch (error) {
        throw new InvalidValue(s, (error as Error).message, 'use the CPA base URL, e.g. http://cli-proxy-api:8317');
      }
    },
  };
}

/** A list: a JSON array of strings in config.json, comma-separated text anywhere. */
function readList(value: unknown): unknown[] | null {
  return Array.isArray(value) ? value : typeof value === 'string' ? value.split(',') : null;
}

/** Allowed CORS origins: `scheme://host[:port]` (trailing '/' dropped), or `*`; duplicates removed. */
export function origins(): ValueType<z.ZodArray<z.ZodString>> {
  return {
    schema: z.array(z.string()),
    values: 'comma-separated origins (`scheme://host[:port]`), or `*`',
    fileNote: 'array or CSV',
    read(value) {
      const list = readList(value);
      if (list === null) {
        throw new InvalidValue(JSON.stringify(value), 'expected a comma-separated list of origins', 'e.g. https://panel.example.com,http://localhost:8317');
      }
      const out: string[] = [];
      for (const item of list) {
        const origin = typeof item === 'string' ? item.trim().replace(/\/+$/, '') : '';
        if (origin === '') continue;
        if (origin === '*') {
          out.push('*');
          continue;
        }
        let url: URL | null = null;
        try {
          url = new URL(origin);
        } catch {
          url = null;
        }
        if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.origin !== origin) {
          throw new InvalidValue(String(item), 'not an origin (scheme://host[:port], no path)', 'list origins such as https://cpa.example.com:8317, or * to allow any');
        }
        out.push(url.origin);
      }
      return [...new Set(out)];
    },
  };
}

/** A non-empty subset of `allowed` (case-insensitive, duplicates removed, order kept). */
export function subsetOf(allowed: readonly string[], what: { noun: string; problem: string }): ValueType<z.ZodArray<z.ZodString>> {
  return {
    schema: z.array(z.string().min(1).max(40)).min(1).max(20),
    values: `comma-separated, one or more of ${allowed.map((v) => `\`${v}\``).join(', ')}`,
    fileNote: 'array or CSV',
    read(value) {
      const list = readList(value);
      const shown = typeof value === 'string' ? value : JSON.stringify(value);
      const fix = `list one or more of ${allowed.join(', ')}, comma-separated (e.g. ${allowed.join(',')}), or unset it for the default`;
      if (list === null) throw new InvalidValue(shown, `expected a comma-separated list of ${what.noun}s`, fix);
      const out: string[] = [];
      for (const item of list) {
        const name = typeof item === 'string' ? item.trim().toLowerCase() : '';
        if (name === '' && typeof item === 'string') continue;
        if (!allowed.includes(name)) throw new InvalidValue(shown, `"${String(item)}" ${what.problem}`, fix);
        if (!out.includes(name)) out.push(name);
      }
      if (out.length === 0) throw new InvalidValue(shown, `the ${what.noun} list is empty`, fix);
      return out;
    },
  };
}

/** fastify's trustProxy: a boolean, or a list of trusted proxy addresses/CIDRs. */
/**
 * The reverse proxies whose X-Forwarded-For is believed: addresses or CIDRs only. Trusting every hop
 * (`true`) would let any client pick its own address and dodge the admin-key lock.
 */
export function trustProxy(): ValueType<z.ZodUnion<[z.ZodLiteral<false>, z.ZodArray<z.ZodString>]>> {
  const fix = "list the reverse proxy's addresses or CIDRs, e.g. CPAMP_TRUST_PROXY=127.0.0.1,10.0.0.0/8";
  const addresses = (list: string[], raw: string): string[] => {
    for (const entry of list) {
      const [ip, bits, extra] = entry.split('/');
      const family = isIP(ip ?? '');
      const maxBits = family === 6 ? 128 : 32;
      if (family === 0 || extra !== undefined || (bits !== undefined && !(/^\d+$/.test(bits) && Number(bits) <= maxBits))) {
        throw new InvalidValue(raw, `"${entry}" is not an IP address or CIDR`, fix);
      }
    }
    return list;
  };
  return {
    schema: z.union([z.literal(false), z.array(z.string())]),
    values: 'false, or comma-separated proxy addresses/CIDRs',
    fileNote: 'false, array or CSV',
    read(value) {
      if (value === false) return false;
      if (value === true) throw new InvalidValue('true', 'trusting every proxy lets any client choose its own address', fix);
      if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return addresses(value as string[], value.join(','));
      if (typeof value === 'string') {
        const v = value.trim().toLowerCase();
        if (FALSE.has(v)) return false;
        if (TRUE.has(v)) throw new InvalidValue(value, 'trusting every proxy lets any client choose its own address', fix);
        return addresses(value.split(',').map((s) => s.trim()).filter(Boolean), value);
      }
      throw new InvalidValue(String(value), 'expected false or a list of proxy addresses', fix);
    },
  };
}
