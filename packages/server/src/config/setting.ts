// The row type of the config table and the helpers that turn the table into a zod schema. A table is a
// tree: its leaves are settings (read from flags, env, config.json) or derived values (computed by the
// loader), its inner nodes are the nested objects of `Config`.
import { z } from 'zod';
import type { ValueType } from './value-types';

/** What a computed default may depend on. */
export interface DefaultContext {
  /** Absolute path of the config file in use, or null. */
  configFile: string | null;
  /** The config file's folder, else the working directory. */
  fileBase: string;
  fileExists(path: string): boolean;
  readonly inDocker: boolean;
  readonly dataDir: string;
}

/** A command-line flag. `help` is the one-line `--help` text; the env name and default are appended. */
export interface FlagSpec {
  name: string;
  /** Placeholder shown in `--help`, e.g. `<dir>`. */
  arg: string;
  help: string;
  /** The default as `--help` shows it, when the reference's text is too long for a line; null: none. */
  helpDefault?: string | null;
}

/** A flag that adjusts a setting's value after it is resolved (e.g. `--port` on the listen address). */
export interface AdjustingFlag<T> extends FlagSpec {
  apply(value: T, flag: string): T;
}

export interface SettingSpec<S extends z.ZodType> {
  type: ValueType<S>;
  /** Environment variables in precedence order (the first one set wins); Plus and CPA-Manager names included. */
  env?: readonly string[];
  /** config.json key. */
  file?: string;
  flag?: FlagSpec;
  adjustingFlags?: readonly AdjustingFlag<z.output<S>>[];
  default: z.output<S> | ((ctx: DefaultContext) => z.output<S>);
  /**
   * A secret: after the value variables, each `<name>_FILE` variable, then the config.json key, name a file
   * holding it; when none is set, this default file (a Docker/Compose secret) is read if it exists.
   */
  secretFile?: string;
  /** The config.json key is ignored when this environment variable is set (as Plus). */
  fileIgnoredWhenEnvSet?: string;
  /** A value set by env is fixed: the admin cannot override it in the panel. */
  lockedByEnv?: boolean;
  /** Start-up warning when the setting has a non-empty value. */
  warnWhenSet?: string;
  doc: {
    /** Markdown; default: the default value in backticks. */
    default?: string;
    /** Markdown: what it is for, and caveats. */
    notes?: string;
  };
}

export interface Setting<S extends z.ZodType = z.ZodType> extends SettingSpec<S> {
  kind: 'setting';
  schema: S;
  env: readonly string[];
}

/** A value the loader computes (not read from any source), kept in the table so `ConfigSchema` has it. */
export interface Derived<S extends z.ZodType = z.ZodType> {
  kind: 'derived';
  schema: S;
  /** Which loader-computed value this is. */
  from: 'lockedByEnv' | 'warnings';
}

export function setting<S extends z.ZodType>(spec: SettingSpec<S>): Setting<S> {
  return { ...spec, kind: 'setting', schema: spec.type.schema, env: spec.env ?? [] };
}

export function derived<S extends z.ZodType>(schema: S, from: Derived['from']): Derived<S> {
  return { kind: 'derived', schema, from };
}

export type TableNode = Setting | Derived | { readonly [key: string]: TableNode };

export function isLeaf(node: TableNode): node is Setting | Derived {
  return (node as { kind?: unknown }).kind === 'setting' || (node as { kind?: unknown }).kind === 'derived';
}

/** The zod shape of a table (group nodes become nested objects). */
export type ShapeOf<T> = {
  -readonly [K in keyof T]: T[K] extends { kind: 'setting' | 'derived'; schema: infer S extends z.ZodType } ? S : z.ZodObject<ShapeOf<T[K]>>;
};

export function shapeOf<T extends { readonly [key: string]: TableNode }>(table: T): ShapeOf<T> {
  const shape: Record<string, z.ZodType> = {};
  for (const [key, node] of Object.entries(table)) {
    shape[key] = isLeaf(node) ? node.schema : z.object(shapeOf(node));
  }
  return shape as ShapeOf<T>;
}

/** Every setting of a table with its path (e.g. `collector.batchSize`), in table order. */
export function settingsOf(table: TableNode, prefix = ''): { path: string; setting: Setting }[] {
  if (isLeaf(table)) return table.kind === 'setting' ? [{ path: prefix, setting: table }] : [];
  return Object.entries(table).flatMap(([key, node]) => settingsOf(node, prefix ? `${prefix}.${key}` : key));
}
