// JSON Schema of the config file, generated from the zod schema so the two never drift.
import { z } from 'zod';
import { clawbackConfigSchema } from './schema.js';

export function configJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(clawbackConfigSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return {
    ...schema,
    // Top-level `x-` keys hold anchors for YAML merge keys (`<<: *defaults`), as in docker-compose; load.ts drops them.
    patternProperties: { '^x-': {} },
    $id: 'https://github.com/clawback/clawback/schema/clawback.schema.json',
    title: 'Clawback configuration',
  };
}
