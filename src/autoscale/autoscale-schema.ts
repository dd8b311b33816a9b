// The `autoscale:` section of a service: bounds, the metric to follow, its target and the damping.
import { z } from 'zod';
import { duration, timeBound } from '../config/duration-schema.js';
import { parseByteSize } from '../probes/byte-size.js';

export const AUTOSCALE_METRICS = ['cpu', 'rss', 'latency', 'command'] as const;
export type AutoscaleMetric = (typeof AUTOSCALE_METRICS)[number];

export const autoscaleSchema = z
  .strictObject({
    min: z.number().int().min(1).max(64).default(1),
    max: z.number().int().min(1).max(64),
    /**
     * What to follow, averaged over the instances: cpu (percent of one core per instance, process tree), rss
     * (bytes per instance, process tree), latency (ms of the instances' http probes), command (the number the
     * command prints: a total load, divided by the instance count).
     */
    metric: z.enum(AUTOSCALE_METRICS),
    /** The value per instance to hold: cpu 60 = 60 % of a core, rss in bytes or "256MiB", latency in ms. */
    target: z.union([z.number().positive(), z.string().min(1)]),
    /** Deviation from the target that is tolerated without acting (0.1 = ±10 %): the hysteresis band. */
    tolerance: z.number().min(0).max(0.9).default(0.1),
    /** Samples are averaged over this window; a scale-down needs the whole window below the band. */
    window: duration.default(60_000),
    /** One sample every this often. */
    interval: duration.pipe(z.number().min(100)).default(5_000),
    /** No scaling decision for this long after the last one. */
    cooldown: duration.default(120_000),
    /** Most instances added or removed by one decision. */
    maxStep: z.number().int().min(1).max(64).default(4),
    /** For metric: command, argv printing one number on its last line (alone, or after a label: "queue: 12"). */
    command: z.array(z.string().min(1)).min(1).optional(),
    /** Bound of one command run. */
    timeout: timeBound.default(5_000),
  })
  .superRefine((a, ctx) => {
    if (a.min > a.max) ctx.addIssue({ code: 'custom', path: ['min'], message: `expected min (${a.min}) at most max (${a.max})` });
    if (a.metric === 'command' && !a.command) ctx.addIssue({ code: 'custom', path: ['command'], message: 'expected a command (argv array) for metric: command' });
    if (typeof a.target === 'string' && (a.metric !== 'rss' || parseByteSize(a.target) === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['target'], message: a.metric === 'rss' ? 'expected a size such as 256MiB or a number of bytes' : `expected a number for metric: ${a.metric}` });
    }
    if (a.metric !== 'command' && a.command) ctx.addIssue({ code: 'custom', path: ['command'], message: `a command is only used with metric: command (metric is ${a.metric})` });
  });

export type AutoscaleConfig = z.output<typeof autoscaleSchema>;
