// Last resort of the guardian when no daemon can run: start dead services directly, recorded for adoption.
import { spawnInstance } from '../supervisor/service-process.js';
import { spawnSpecFor } from './spawn-spec.js';
import { StateStore } from './state-store.js';
import { emptyRecord } from '../supervisor/service-supervisor.js';
import { isSameProcess } from '../platform/proc.js';
import { systemClock } from '../platform/clock.js';
import type { ClawbackConfig } from '../config/schema.js';

/** Returns the names of the services it started. The next daemon adopts them from state.json. */
export async function reviveServicesDirectly(config: ClawbackConfig, stateDir: string): Promise<string[]> {
  const store = new StateStore(stateDir);
  const { state } = store.load();
  const clock = systemClock();
  const started: string[] = [];
  for (const service of config.services) {
    const saved = state.services[service.name] ?? { record: emptyRecord(service.autostart ? 'up' : 'down'), incident: null };
    const rec = saved.record;
    if (rec.desired === 'down' || rec.held) continue;
    if (rec.instance && isSameProcess(rec.instance.pid, rec.instance.pidStartTime)) continue;
    const inst = spawnInstance(spawnSpecFor(service, stateDir), clock);
    rec.instance = { pid: inst.pid, pidStartTime: inst.pidStartTime, startedAt: inst.startedAt };
    state.services[service.name] = { ...saved, record: rec };
    started.push(service.name);
  }
  store.save(state);
  return started;
}
