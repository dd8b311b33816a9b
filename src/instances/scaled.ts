// Which services are scaled and how many instances the file asks for: apart from the expansion (which validates
// with the schema) so the daemon can ask without loading zod.
import type { ServiceConfig } from '../config/schema.js';

/** The most instances of one service: the schema's bound on `instances:` and autoscale.max, and `clawback scale`'s. */
export const MAX_INSTANCES = 64;

/** A service that runs as a group of instances: it says `instances:` or `autoscale:`. */
export function isScaled(s: { instances?: unknown; autoscale?: unknown }): boolean {
  return s.instances !== undefined || s.autoscale !== undefined;
}

/** How many instances of `s` the file asks for: `instances`, else autoscale.min, else 1. */
export function declaredCount(s: Pick<ServiceConfig, 'instances' | 'autoscale'>): number {
  return s.instances ?? s.autoscale?.min ?? 1;
}
