// YAML text to data and back, for config.yaml, its YAML blocks and the provider "other fields" box. js-yaml
// replaced the `yaml` library here: it is half the size, and comment-preserving edits of config.yaml are done
// on the text by yaml-patch.ts instead of through a document model.
import { CORE_SCHEMA, dump, load, YAMLException } from 'js-yaml';

/**
 * Parses one YAML document with the YAML 1.2 core schema (as CPA reads it: `2025-01-01` stays a string, `<<` is a
 * plain key). An empty or comment-only text is null. Throws a YAMLException on invalid YAML.
 */
export function parseYaml(text: string): unknown {
  return load(text, { schema: CORE_SCHEMA }) ?? null;
}

/**
 * Block-style YAML of a value, 2 spaces per level unless told, long strings on one line. Strings that YAML 1.1
 * readers would take for something else (`yes`, `2025-01-01`) are quoted.
 */
export function dumpYaml(value: unknown, indent = 2): string {
  return dump(value, { indent, lineWidth: -1, skipInvalid: true, noRefs: true });
}

/** The 1-based line and the reason of a YAML syntax error, or null when `e` is not one. */
export function yamlErrorAt(e: unknown): { line: number; message: string } | null {
  if (!(e instanceof YAMLException)) return null;
  return { line: (e.mark?.line ?? 0) + 1, message: e.reason };
}
