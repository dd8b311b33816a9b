// One check for every suite that runs repairs (doctor-ladder, drill, e2e): no repair dropped or changed a protected setting.
import type { ClawbackEvent } from '../../src/observe/events.js';

/**
 * The doctor.repair events that changed or dropped a protected setting (configFile.protect), one line each. A service
 * doctor's change that was rolled back did no harm; everything else must list none.
 */
export function protectedHarm(journal: readonly ClawbackEvent[]): string[] {
  const out: string[] = [];
  for (const e of journal) {
    if (e.type !== 'doctor.repair') continue;
    const d = (e.details ?? {}) as { protectedChanged?: unknown[]; protectedLost?: unknown[]; rolledBack?: unknown };
    const changed = d.protectedChanged ?? [];
    const lost = d.rolledBack === true ? [] : (d.protectedLost ?? []);
    if (changed.length > 0 || lost.length > 0) out.push(`${e.message} -> ${JSON.stringify([...changed, ...lost])}`);
  }
  return out;
}
