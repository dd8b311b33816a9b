// Last resort of the guardian when no daemon can run: the services' own reducers decide what starts; only their starts are carried out.
import { spawnInstance } from '../supervisor/service-process.js';
import { serviceLogFile, spawnSpecFor } from './spawn-spec.js';
import { rotateIfLarger } from '../observe/log-rotation.js';
import { StateStore } from './state-store.js';
import { hasProcFs, isSameProcess } from '../platform/proc.js';
import { systemClock, type Clock } from '../platform/clock.js';
import type { ClawbackConfig } from '../config/schema.js';
import { decide } from '../decide/decide.js';
import { policyFor } from '../decide/policy.js';
import { normalizeState, type ServiceState } from '../decide/service-state.js';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { FileLock } from '../platform/file-lock.js';
import { DAEMON_LOCK_FILE } from './daemon-lock.js';
import { findUnrecordedInstances } from './unrecorded-instances.js';
import type { ClawbackEvent } from '../observe/events.js';
import { lastBootAt } from '../platform/boot-time.js';
import { preflightFor } from './doctor-wiring.js';
import { preflightRefusal } from './service-runtime.js';
import { diskRefusalText } from './disk-refusal-text.js';

/**
 * Returns the names of the services it started. The next daemon adopts them from state.json. Starts nothing while a
 * live daemon holds daemon.lock (one still booting, slow to write its first heartbeat, owns the services), and never a
 * service whose instance runs unrecorded (started from this state dir, found by its marks). The reducer's events for
 * what it started ("started (pid N)", an incident opened) go to `emit` once state.json holds them: dropped, the
 * journal showed a service adopted under a pid nothing had started. Each start runs the daemon's preflight first (its
 * command, config file, port, and another live gateway owning the OpenClaw state dir): a refusal goes to the reducer as
 * `preflight-failed`, as the daemon's runtime reports it, and nothing is spawned. Without it the guardian started a
 * service into a port a stranger held, a config that does not load, or a state dir another live gateway owned.
 * `signal` ends a preflight's validator when the pass is out of time.
 */
export async function reviveServicesDirectly(config: ClawbackConfig, stateDir: string, emit?: (event: ClawbackEvent) => void, signal?: AbortSignal): Promise<string[]> {
  const clock = systemClock();
  const daemonLock = new FileLock(path.join(stateDir, DAEMON_LOCK_FILE), { clock });
  const daemonRuns = async (): Promise<boolean> => {
    const holder = await daemonLock.owner();
    return holder !== null && isSameProcess(holder.pid, holder.startTime);
  };
  if (await daemonRuns()) return [];
  // No daemon rotates the services' logs while it is down: each pass does, as its rotation loop would (a failure costs
  // disk only, and the next pass tries again).
  for (const service of config.services) await rotateIfLarger(serviceLogFile(service, stateDir), service.logs.maxBytes, service.logs.keep).catch(() => false);
  const store = new StateStore(stateDir);
  const { state } = store.load();
  const running = findUnrecordedInstances(stateDir, new Set(config.services.map((s) => s.name))).found;
  const started: string[] = [];
  const pids: string[] = [];
  const events: ClawbackEvent[] = [];
  const ctx = () => ({ now: clock.now(), random: Math.random, newId: (k: 'inc' | 'run') => `${k}-guardian-${randomBytes(3).toString('hex')}` });
  for (const service of config.services) {
    const saved = state.services[service.name];
    const current = normalizeState(saved?.record, saved?.incident ?? null, service.autostart ? 'up' : 'down');
    // Repairs in flight are the daemon's to re-arm or fail; a live instance needs nothing.
    if (current.work) continue;
    if (current.instance && isSameProcess(current.instance.pid, current.instance.pidStartTime)) continue;
    if (running.has(service.name)) continue;
    // A job that ended where its policy keeps it down (on-failure, never) has nothing to revive: booted, every pass ran it again.
    if (finishedJob(current, service.restart.policy)) continue;
    // Passes come a minute apart: the service's own intensity window never fills here, the guardian's start limit does.
    const limit = service.restart.guardianStartLimit;
    const policy = { ...policyFor(service, { doctor: false, agent: false }), intensity: { maxRestarts: limit.burst, window: limit.interval }, guardian: true };
    // A cluster singleton runs only under a daemon's etcd lease: the guardian holds none, so its reducer stands by.
    const placed = service.placement === 'singleton' ? decide(current, { type: 'placement', active: false, holder: null, reason: 'the guardian holds no lease' }, ctx(), policy).state : current;
    // The recorded instance died unwatched (one an earlier pass started, or the dead daemon's): reported to the reducer
    // as the exit it is, so its crash-loop count, backoff and incident go on. Booted instead, each pass was a fresh
    // start: a service crashing under the guardian was started every minute for ever, no exit recorded, no breaker.
    // An instance from before this boot died with the machine, not on its own: that one is a plain boot.
    const gone = placed.instance && !diedWithTheMachine(placed.instance.startedAt, clock) ? placed.instance : null;
    let d = gone
      ? decide(placed, { type: 'exited', pid: gone.pid, code: null, signal: null, at: clock.now(), statusKnown: false }, ctx(), policy)
      : decide(placed, { type: 'boot', adopted: null }, ctx(), policy);
    const effects = [...d.effects];
    // Maintenance whose deadline passed while no daemon ran, or a backoff restart now due: the reducer ends it (and may
    // start) on a tick, as the daemon would.
    const m = d.state.maintenance;
    const backoffDue = d.state.phase === 'backoff' && d.state.nextStartAt !== null && d.state.nextStartAt <= clock.now();
    if ((m && m.until !== null && m.until <= clock.now()) || backoffDue) {
      d = decide(d.state, { type: 'tick' }, ctx(), policy);
      effects.push(...d.effects);
    }
    const keep = (): void => {
      for (const e of effects) if (e.type === 'emit') events.push(e.event);
      const { incident, ...record } = d.state;
      state.services[service.name] = { record, incident };
    };
    const start = effects.find((e) => e.type === 'start');
    if (!start || start.type !== 'start') {
      // An exit with no start after it (a backoff not due yet, the breaker tripped): the exit, its incident and the
      // hold are kept, and said, all the same.
      if (gone) keep();
      continue;
    }
    // The daemon's runtime runs this before every start effect: the guardian carries out the same start, so the same check.
    const answer = await preflightFor(service, { stateDir, clock, emit: (e) => events.push(e) })(undefined, signal).catch((err: unknown) => `the preflight could not run: ${(err as Error).message}`);
    if (signal?.aborted) break;
    // A preflight's validator can take half a minute: a daemon that took daemon.lock meanwhile owns the services now.
    if (await daemonRuns()) break;
    const refusal = preflightRefusal(answer);
    if (refusal) {
      d = decide(d.state, refusal, ctx(), policy);
      effects.push(...d.effects);
      keep();
      continue;
    }
    const inst = spawnInstance(spawnSpecFor(service, stateDir), clock, { unref: true });
    if (inst.pid <= 0) continue;
    d = decide(d.state, { type: 'started', instance: { pid: inst.pid, pidStartTime: inst.pidStartTime, startedAt: inst.startedAt }, reason: start.reason }, ctx(), policy);
    effects.push(...d.effects);
    keep();
    started.push(service.name);
    pids.push(`${service.name} (pid ${inst.pid})`);
  }
  try {
    store.save(state);
  } catch (err) {
    // What it started runs all the same: said with its pid and what that means, not only the file refused.
    if (pids.length === 0) throw err;
    const one = pids.length === 1;
    const them = one ? 'it' : 'them';
    const next = hasProcFs()
      ? `The next pass or daemon finds ${them} by ${one ? 'its' : 'their'} marks and adopts ${them}, never starting a second copy`
      : `Without /proc the next pass cannot find ${them} and may start a second copy: stop ${them} yourself if it does`;
    throw new Error(
      `started ${pids.join(', ')}, but state.json could not be written (${diskRefusalText(err, stateDir)}): ${one ? 'it runs' : 'they run'} outside the daemon's record. ` +
        `${next}; free ${stateDir} so that a daemon can run and record ${them}`,
    );
  }
  for (const e of events) emit?.(e);
  return started;
}

/** Pure: the service ran and ended, and its restart policy keeps an ended service down (a clean exit, or one nobody saw). */
export function finishedJob(s: Pick<ServiceState, 'instance' | 'phase' | 'lastExit'>, policy: ClawbackConfig['services'][number]['restart']['policy']): boolean {
  return policy !== 'always' && !s.instance && s.phase === 'stopped' && s.lastExit !== null;
}

/** The instance started before this boot (the machine restarted since): its end was the shutdown's, not a crash. */
function diedWithTheMachine(startedAt: number, clock: Clock): boolean {
  const booted = lastBootAt(clock);
  return booted !== undefined && startedAt < booted;
}
