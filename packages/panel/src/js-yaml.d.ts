// js-yaml 4 ships no types (and @types/js-yaml is not a dependency): the part of its API the panel uses.
declare module 'js-yaml' {
  /** A set of tags and their resolvers; opaque here. */
  export interface Schema {
    readonly compiledImplicit: unknown;
  }
  /** YAML 1.2 core: null, booleans, numbers, strings; no timestamps or merge keys. */
  export const CORE_SCHEMA: Schema;
  export interface LoadOptions {
    filename?: string;
    schema?: Schema;
    json?: boolean;
  }
  export interface DumpOptions {
    indent?: number;
    noArrayIndent?: boolean;
    skipInvalid?: boolean;
    flowLevel?: number;
    schema?: Schema;
    sortKeys?: boolean;
    lineWidth?: number;
    noRefs?: boolean;
    noCompatMode?: boolean;
    quotingType?: "'" | '"';
    forceQuotes?: boolean;
  }
  export function load(text: string, options?: LoadOptions): unknown;
  export function dump(value: unknown, options?: DumpOptions): string;
  export class YAMLException extends Error {
    readonly reason: string;
    /** Where the parser stopped; `line` and `column` are 0-based. */
    readonly mark: { line: number; column: number; position: number } | undefined;
  }
}
