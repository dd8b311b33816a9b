// An autoscale target in the metric's unit: apart from the schema so the daemon never loads zod.
import type { AutoscaleConfig } from './autoscale-schema.js';
import { parseByteSize } from '../probes/byte-size.js';

/** The target as a number in the metric's unit (bytes for rss). */
export function autoscaleTarget(a: Pick<AutoscaleConfig, 'target'>): number {
  return typeof a.target === 'number' ? a.target : (parseByteSize(a.target) ?? Number.NaN);
}
