// The usage queue pop answers a bare JSON array; records stay untyped here (the collector parses them).
import { z } from 'zod';

export const UsageQueuePopSchema = z.array(z.unknown());
