// The config field for durations ("30s" or 30000, yielding ms): apart from duration.ts so the daemon, which only
// parses and formats durations, never loads zod.
import { z } from 'zod';
import { parseDuration } from './duration.js';

/** A zod field that accepts "30s" or 30000 and yields milliseconds. */
export const duration = z
  .union([z.number(), z.string()])
  .transform((v, ctx) => {
    const ms = parseDuration(v);
    if (ms === undefined) {
      ctx.addIssue({ code: 'custom', message: `expected a duration such as 500ms, 30s, 5m or a number of milliseconds, got ${JSON.stringify(v)}` });
      return z.NEVER;
    }
    return ms;
  });

/**
 * A duration that bounds a command or a request: 0 would mean "no bound at all" to the command runner, so a hung
 * pidCommand or validator would stall its caller for good.
 */
export const timeBound = duration.pipe(z.number().min(1, { message: 'a time bound of 0 would mean no bound at all: expected at least 1ms' }));
