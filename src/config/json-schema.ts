// JSON Schema of the config file, generated from the zod schema so the two never drift.
import { z } from 'zod';
import { clawbackConfigSchema } from './schema.js';
import { duration } from './duration-schema.js';
import { byteSize } from '../probes/byte-size-schema.js';
import { httpUrl } from '../probes/probe-schema.js';
import { regexSource } from './schema.js';
import { durationAtLeastJsonSchema } from './duration-minimum.js';
import { byteSizeAtLeastJsonSchema } from './byte-size-minimum.js';
import { EMERGENCY_MINIMUMS, emergencySchema } from '../emergency/emergency-schema.js';

/**
 * What a duration or size field takes, as the parsers read it (config/duration.ts, probes/byte-size.ts): the generated
 * schema had "any number or string" there, so an editor accepted `grace: 10 parsecs` or `maxBytes: -5` that validate refuses.
 */
const DURATION_INPUT: z.core.JSONSchema.JSONSchema[] = [
  { type: 'number', minimum: 0 },
  { type: 'string', pattern: '^\\s*\\d+(\\.\\d+)?\\s*(ms|s|m|h|d)?\\s*$', description: 'a duration such as 500ms, 30s, 5m, 2h, 1d, or milliseconds' },
];
const BYTE_SIZE_INPUT: z.core.JSONSchema.JSONSchema[] = [
  { type: 'number', exclusiveMinimum: 0 },
  { type: 'string', pattern: '^\\s*\\d+(\\.\\d+)?\\s*([bB]|[kKmMgGtT]([iI]?[bB])?)?\\s*$', description: 'a size such as 200MB, 1.5GiB, 512M, or bytes' },
];

/**
 * The loader's refinements an editor can check too: a probe URL (any string was accepted, `url: not a url` included)
 * and a regular expression (`selfRestartPattern: "(["`). What cannot be said in JSON Schema stays the loader's alone:
 * service names unique, dependsOn naming services that exist and forming no cycle, ports not shared, log files that clash.
 */
const HTTP_URL_INPUT: z.core.JSONSchema.JSONSchema = { type: 'string', format: 'uri', pattern: '^[Hh][Tt][Tt][Pp][Ss]?://[^\\s/?#]+', description: 'an http:// or https:// URL' };

export function configJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(clawbackConfigSchema, {
    io: 'input',
    unrepresentable: 'any',
    override: (ctx) => {
      if (ctx.zodSchema === duration) ctx.jsonSchema.anyOf = DURATION_INPUT;
      if (ctx.zodSchema === byteSize) ctx.jsonSchema.anyOf = BYTE_SIZE_INPUT;
      if (ctx.zodSchema === httpUrl) Object.assign(ctx.jsonSchema, HTTP_URL_INPUT);
      if (ctx.zodSchema === regexSource) ctx.jsonSchema.format = 'regex';
      const least = durationMinimum(ctx.zodSchema);
      if (least !== undefined) setAnyOf(ctx.jsonSchema, durationAtLeastJsonSchema(least, 'expected'));
      const leastBytes = byteSizeMinimum(ctx.zodSchema);
      if (leastBytes !== undefined) setAnyOf(ctx.jsonSchema, byteSizeAtLeastJsonSchema(leastBytes));
      if (ctx.zodSchema === emergencySchema) emergencyMinimums(ctx.jsonSchema);
    },
  }) as Record<string, unknown>;
  return {
    ...schema,
    // Top-level `x-` keys hold anchors for YAML merge keys (`<<: *defaults`), as in docker-compose; load.ts drops them.
    patternProperties: { '^x-': {} },
    $id: 'https://github.com/clawback/clawback/schema/clawback.schema.json',
    title: 'Clawback configuration',
  };
}

/** The minimum of a `duration.pipe(z.number().min(N))` field (probe interval, startup.timeout, time bounds), if it is one. */
function durationMinimum(schema: unknown): number | undefined {
  if (!(schema instanceof z.ZodPipe) || !(schema.out instanceof z.ZodNumber)) return undefined;
  const from = schema.in;
  if (from !== duration && durationMinimum(from) === undefined) return undefined;
  const own = schema.out.minValue ?? 0;
  return Math.max(own, durationMinimum(from) ?? 0);
}

/** The minimum of a `byteSize.pipe(z.number().min(N))` field (logs.maxBytes), if it is one. */
function byteSizeMinimum(schema: unknown): number | undefined {
  if (!(schema instanceof z.ZodPipe) || schema.in !== byteSize || !(schema.out instanceof z.ZodNumber)) return undefined;
  const least = schema.out.minValue;
  return typeof least === 'number' && Number.isInteger(least) && least > 1 ? least : undefined;
}

function setAnyOf(target: z.core.JSONSchema.JSONSchema, anyOf: Array<Record<string, unknown>>): void {
  for (const k of Object.keys(target)) if (k !== 'default' && k !== 'description') delete (target as Record<string, unknown>)[k];
  target.anyOf = anyOf as z.core.JSONSchema.JSONSchema[];
}

/** The emergency section's bounds, checked by its superRefine in the loader (approvalTimeout only when approval is required). */
function emergencyMinimums(target: z.core.JSONSchema.JSONSchema): void {
  const props = target.properties as Record<string, z.core.JSONSchema.JSONSchema> | undefined;
  if (!props) return;
  const bound = (key: string, min: number, what: string): z.core.JSONSchema.JSONSchema => ({ ...props[key], anyOf: durationAtLeastJsonSchema(min, what) as z.core.JSONSchema.JSONSchema[] });
  props.timeBox = bound('timeBox', EMERGENCY_MINIMUMS.timeBox, 'the agent time box');
  props.verifyWindow = bound('verifyWindow', EMERGENCY_MINIMUMS.verifyWindow, 'how long the service must stay healthy after the agent');
  const budget = props.budget;
  const budgetProps = budget?.properties as Record<string, z.core.JSONSchema.JSONSchema> | undefined;
  if (budgetProps?.window) budgetProps.window = { ...budgetProps.window, anyOf: durationAtLeastJsonSchema(EMERGENCY_MINIMUMS.budgetWindow, 'the window agent runs are counted in (budget.runs: 0 turns runs off)') as z.core.JSONSchema.JSONSchema[] };
  target.if = { properties: { approval: { const: 'required' } }, required: ['approval'] };
  target.then = { properties: { approvalTimeout: { anyOf: durationAtLeastJsonSchema(EMERGENCY_MINIMUMS.approvalTimeout, 'how long an approval may take when approval is required') as z.core.JSONSchema.JSONSchema[] } } };
}
