// The `prediction:` config section: how eagerly Clawback forecasts memory, latency and crash trouble.
import { z } from 'zod';
import { duration } from '../config/duration-schema.js';

const clockTime = z
  .string()
  .regex(/^([01]\d|2[0-3]):[0-5]\d$/, { message: 'expected a local time as HH:MM (00:00-23:59)' });

/** A daily local-time window such as 02:00-05:00; it may cross midnight (22:00-04:00). */
export const quietWindowSchema = z
  .strictObject({ start: clockTime, end: clockTime })
  .refine((w) => w.start !== w.end, { message: 'quietWindow start and end must differ' });

export const memoryPredictionSchema = z.strictObject({
  enabled: z.boolean().default(true),
  /** Samples older than this are ignored by the trend fit. */
  window: duration.default(600_000),
  minSamples: z.number().int().min(5).max(1000).default(30),
  /** Warn when the estimated time to the memory limit is under this. */
  horizon: duration.default(1_800_000),
  /** Restart ahead of the predicted crossing (only while the service is otherwise healthy). */
  proactiveRestart: z.boolean().default(false),
  /** Preferred local-time window for a proactive restart. */
  quietWindow: quietWindowSchema.optional(),
  /** A proactive restart happens at the latest this long before the predicted crossing. */
  safetyMargin: duration.default(300_000),
  minConfidence: z.number().min(0).max(1).default(0.8),
});

export const latencyPredictionSchema = z.strictObject({
  enabled: z.boolean().default(true),
  window: duration.default(600_000),
  minSamples: z.number().int().min(5).max(1000).default(20),
  /** Recent median latency must exceed the window's early median by this share (0.5 = +50 %). */
  minRelativeIncrease: z.number().min(0).max(100).default(0.5),
  /** ...and by at least this much in absolute terms, so jitter on a 3 ms endpoint never alarms. */
  minAbsoluteIncrease: duration.default(100),
  /** Recent failure share that counts as "growing" when it also rose significantly. */
  minFailureShare: z.number().min(0).max(1).default(0.2),
});

export const crashPatternsSchema = z.strictObject({
  enabled: z.boolean().default(true),
  lookback: duration.default(7 * 86_400_000),
  minOccurrences: z.number().int().min(2).max(100).default(3),
});

export const predictionSchema = z.strictObject({
  memory: memoryPredictionSchema.prefault({}),
  latency: latencyPredictionSchema.prefault({}),
  crashPatterns: crashPatternsSchema.prefault({}),
});

export type QuietWindow = z.output<typeof quietWindowSchema>;
export type MemoryPredictionConfig = z.output<typeof memoryPredictionSchema>;
export type LatencyPredictionConfig = z.output<typeof latencyPredictionSchema>;
export type CrashPatternsConfig = z.output<typeof crashPatternsSchema>;
export type PredictionConfig = z.output<typeof predictionSchema>;
/** What a user may write (durations as strings, everything optional). */
export type PredictionConfigInput = z.input<typeof predictionSchema>;
