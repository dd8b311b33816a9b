// What of state.json must reach the disk: a lease renewal moves only a singleton's deadlines, which no reader needs.
import type { DaemonState } from './state-store.js';

/** Deadlines of a placement that every etcd renewal moves; a loaded state drops placement anyway (normalizeState). */
const VOLATILE_PLACEMENT_KEYS = new Set(['stopBy', 'killBy']);

/** The state as text without the fields that change on every lease renewal: equal text, nothing worth a write. */
export function stateFingerprint(state: DaemonState): string {
  return JSON.stringify(state, function (this: unknown, key: string, value: unknown) {
    const holder = this as Record<string, unknown> | null;
    if (VOLATILE_PLACEMENT_KEYS.has(key) && holder && typeof holder === 'object' && 'token' in holder && 'active' in holder) return undefined;
    return value;
  });
}
