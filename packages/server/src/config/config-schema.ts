// The resolved configuration's schema and type, derived from the config table.
import { z } from 'zod';
import { CONFIG_TABLE } from './config-table';
import { shapeOf } from './setting';

/** The resolved, validated configuration. Build one with `loadConfig` (or `ConfigSchema.parse` when embedding). */
export const ConfigSchema = z.object(shapeOf(CONFIG_TABLE));
export type Config = z.infer<typeof ConfigSchema>;
