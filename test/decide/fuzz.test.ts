// A seeded random walk through the reducer: well-formed inputs from a simulated executor, invariants checked after every step.
import { describe, expect, it } from 'vitest';
import { decide, nextWake } from '../../src/decide/decide.js';
import type { Effect, ServiceInput } from '../../src/decide/inputs.js';
import type { ServicePolicy } from '../../src/decide/policy.js';
import { initialState, normalizeState, type ServiceState, type StartReason } from '../../src/decide/service-state.js';
import { testPolicy } from './policy-fixture.js';
import { seededRandom } from '../../src/drill/chaos-schedule.js';

/** SEQUENCES=<n> runs more (or fewer) seeded sequences than the default 300, to hunt for new failing seeds. */
const SEQUENCES = Number(process.env.SEQUENCES ?? 0) > 0 ? Math.floor(Number(process.env.SEQUENCES)) : 300;
const STEPS = 200;
const HOUR = 3_600_000;

/** mulberry32 (the chaos drill's): every failure reproduces from its seed. */
const prng = seededRandom;

/** What the executor (the runtime and the processes it watches) knows: the ground truth the reducer must agree with. */
interface World {
  now: number;
  /** The live process the runtime watches (or left running on release). */
  proc: { pid: number } | null;
  /** The runtime stopped watching the process (shutdown with release) until the next boot adopts it. */
  released: boolean;
  start: StartReason | null;
  /** A person's stop or restart asked the start in flight to end before its spawn (cancel-start), not yet heard back. */
  cancelBy: 'stop' | 'restart' | null;
  stopping: boolean;
  /** When the last stop was ordered (on the reducer's clock). */
  stopAt: number | null;
  doctors: Set<string>;
  agents: Set<string>;
  reverts: Set<string>;
  /** Doctor runs whose file changes are being put back (revert-doctor carried out, doctor-reverted not yet heard). */
  doctorReverts: Set<string>;
  nextPid: number;
  stalePids: number[];
  staleRuns: string[];
  staleIncidents: string[];
  daemon: 'up' | 'disposed' | 'down';
  /** A person stopped it and has not started it since. */
  personStopped: boolean;
  /** Times (on the reducer's clock) of automatic restarts since a person last acted. */
  autoStarts: number[];
  /** The next fencing token a won lease carries. */
  nextToken: number;
  /** Booted with waitsForDependencies, dependencies-ready not yet heard. */
  waitingDeps: boolean;
  /** Steps checked so far (the costlier checks run on every 8th). */
  checks: number;
}

const AUTO: StartReason[] = ['exit', 'probe', 'memory', 'prediction', 'doctor'];
const AGENT = { timeBoxMs: 60_000, verifyWindowMs: 5000, budgetRuns: 2, budgetWindowMs: 86_400_000, approval: 'none' as const, approvalTimeoutMs: 60_000 };

function policyFor(r: () => number): ServicePolicy {
  const pick = <T>(xs: T[]): T => xs[Math.floor(r() * xs.length)]!;
  return testPolicy({
    restartPolicy: pick(['always', 'always', 'on-failure', 'never'] as const),
    coolDownMs: pick([0, 0, 5000, 60_000]),
    doctorAttempts: pick([0, 1, 2]),
    agent: pick([null, AGENT, { ...AGENT, approval: 'required' as const }]),
    scopedRestart: pick([null, { settleMs: 1000 }]),
    backoff: pick([
      { initial: 100, max: 1000, multiplier: 2, jitter: 0 },
      { initial: 0, max: 0, multiplier: 1, jitter: 0 },
      { initial: 1000, max: 30_000, multiplier: 2, jitter: 0.2 },
    ]),
    drainGraceMs: pick([1000, 5000]),
    startupWindowMs: pick([undefined, 0, 3000, 60_000]),
    flapping: pick([
      { windowMs: 600_000, maxRecurrences: 10 },
      { windowMs: 0, maxRecurrences: 10 },
      { windowMs: 20_000, maxRecurrences: 1 },
    ]),
  });
}

type Step = { now: number; input: ServiceInput };

/** Applies an input's own facts to the world (before the reducer hears it). */
function worldHears(w: World, input: ServiceInput): void {
  switch (input.type) {
    case 'started':
      w.proc = { pid: input.instance.pid };
      w.start = null;
      w.cancelBy = null;
      break;
    case 'start-cancelled':
      // An external service's manager had brought it up before the cancel reached its start command.
      if (input.instance) w.proc = { pid: input.instance.pid };
      w.start = null;
      w.cancelBy = null;
      break;
    case 'start-failed':
    case 'preflight-failed':
      w.start = null;
      break;
    case 'exited':
      if (w.proc?.pid === input.pid) {
        w.proc = null;
        w.stopping = false;
        w.stalePids.push(input.pid);
      }
      break;
    case 'effect-failed':
      // A stop that sent nothing: no stop is in flight any more (the process runs on untouched).
      if (input.effect === 'stop' && input.nothingSent) w.stopping = false;
      break;
    case 'doctor-done':
      w.doctors.delete(input.runId);
      break;
    case 'agent-done':
      w.agents.delete(input.runId);
      break;
    case 'agent-reverted':
      w.reverts.delete(input.runId);
      break;
    case 'doctor-reverted':
      w.doctorReverts.delete(input.runId);
      break;
    case 'request':
      if (input.by === 'human' && (input.action === 'start' || input.action === 'resume' || input.action === 'restart')) {
        w.personStopped = false;
        w.autoStarts = [];
      }
      if (input.by === 'human' && input.action === 'stop') w.personStopped = true;
      // A person's reset (pm2 reset) empties the restart window: the breaker counts afresh from it.
      if (input.by === 'human' && input.action === 'reset') w.autoStarts = [];
      break;
    case 'clock-stepped':
      w.autoStarts = w.autoStarts.map((t) => t + input.byMs);
      if (w.stopAt !== null) w.stopAt += input.byMs;
      break;
    case 'dependencies-ready':
      w.waitingDeps = false;
      break;
    case 'boot':
      w.waitingDeps = input.waitsForDependencies === true;
      w.daemon = 'up';
      w.released = false;
      break;
    case 'shutdown':
      w.daemon = 'disposed';
      break;
    default:
  }
}

/** The first value JSON would not keep as it is (undefined, NaN, Infinity, a class instance), or null. */
function notPlainJson(v: unknown, path: string): string | null {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return null;
  if (typeof v === 'number') return Number.isFinite(v) ? null : `${path} is ${v}`;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const bad = notPlainJson(v[i], `${path}[${i}]`);
      if (bad) return bad;
    }
    return null;
  }
  if (typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      if (x === undefined) continue; // an absent optional field
      const bad = notPlainJson(x, `${path}.${k}`);
      if (bad) return bad;
    }
    return null;
  }
  return `${path} is not plain JSON (${typeof v})`;
}

/** Checks one step and carries its effects out in the world; returns the first invariant broken, or null. */
function check(w: World, p: ServicePolicy, prev: ServiceState, step: Step, next: ServiceState, fx: Effect[]): string | null {
  const { now, input } = step;
  const human = input.type === 'request' && input.by === 'human';
  const stepped = input.type === 'clock-stepped' ? input.byMs : 0;
  const coolDownDue = (input.type === 'tick' || input.type === 'clock-stepped') && prev.coolDownUntil !== null && prev.coolDownUntil + stepped <= now;
  const personAsked = prev.work?.kind === 'revert' && (prev.work.personAsked === 'start' || prev.work.personAsked === 'resume' || prev.work.personAsked === 'restart');
  let resolved = false;
  let opened = false;
  // A person's maintenance cancels the repair in flight and takes it over: a fresh restart window (as cancelWork gives).
  if (input.type === 'maintenance' && input.on && prev.work && prev.work.kind !== 'revert') w.autoStarts = [];
  // A doctor run that fixed a service held unstarted (a crash loop, exit 78, a person's hold at Level 4), or a re-armed
  // run's "starting again", gets a fresh restart window for its restart (bounded by the doctor's attempts, a person's
  // request, a daemon restart). Not a preflight refusal's: a repair that does not hold there ends at a human soon.
  const heldUnstarted = !!prev.held && prev.held.reason !== 'preflight' && prev.held.reason !== 'repair';
  const doctorStarts = input.type === 'doctor-done' && (input.outcome === 'fixed' || (input.outcome === 'nothing-found' && prev.work?.rearmed === true));
  if (doctorStarts && heldUnstarted && prev.work?.kind === 'doctor' && prev.work.id === input.runId) w.autoStarts = [];
  // A cool-down (or a person) lifting the breaker's hold gives a fresh window, also while the service runs (no start).
  if (fx.some((e) => e.type === 'emit' && e.event.type === 'breaker.resumed') && next.restartHistory.length === 0) w.autoStarts = [];
  for (const e of fx) {
    switch (e.type) {
      case 'start': {
        if (w.proc) return `start while pid ${w.proc.pid} is alive`;
        if (w.start) return `start while a start (${w.start}) is in flight`;
        if (w.personStopped) return `start (${e.reason}) after a person's stop, without a person's start`;
        if (prev.held?.reason === 'human' && !human && !coolDownDue && input.type !== 'doctor-done' && !personAsked) return `a Level 4 hold started (${e.reason}) on ${input.type}`;
        if (next.placement && e.fencingToken !== (next.placement.token ?? undefined)) return 'a start without the fencing token';
        w.start = e.reason;
        if (e.reason === 'cool-down') w.autoStarts = [];
        if (AUTO.includes(e.reason)) {
          // A restart through a stop counts from when it was decided (the reducer counts it then, the exit comes a grace later).
          // So does a probe's restart that waited its backoff after the stop (backoffFor).
          const decidedAtStop = (input.type === 'exited' && prev.phase === 'stopping') || (input.type === 'tick' && prev.phase === 'backoff' && prev.backoffFor !== undefined);
          const at = decidedAtStop && w.stopAt !== null ? w.stopAt : now;
          w.autoStarts = [...w.autoStarts.filter((t) => now - t < p.intensity.window && t <= now), at];
          if (w.autoStarts.length > p.intensity.maxRestarts) return `${w.autoStarts.length} automatic restarts within the intensity window (limit ${p.intensity.maxRestarts})`;
        }
        break;
      }
      case 'cancel-start':
        // Only a start in flight with nothing spawned can be cancelled; one that spawned meanwhile is stopped instead.
        if (w.start) w.cancelBy = e.by;
        break;
      case 'stop':
        if (!w.proc || w.released) return 'stop with no watched instance';
        // A stop ordered again for the same pending restart (a boot re-arming the stop of the instance it adopted) does
        // not move when that restart was decided (the reducer counted it at the first stop).
        if (!w.stopping && !(input.type === 'boot' && prev.afterStop?.then === 'start')) w.stopAt = now;
        w.stopping = true;
        break;
      case 'release':
        w.released = true;
        break;
      case 'run-doctor':
        if (next.work?.kind !== 'doctor' || next.work.id !== e.runId) return `run-doctor ${e.runId} is not the current work`;
        w.doctors.add(e.runId);
        break;
      case 'run-agent':
        if (next.work?.kind !== 'agent' || next.work.id !== e.runId) return `run-agent ${e.runId} is not the current work`;
        w.agents.add(e.runId);
        break;
      case 'cancel-work':
        if (prev.work?.id !== e.runId) return `cancel-work ${e.runId} is not the work in flight`;
        w.doctors.delete(e.runId);
        w.agents.delete(e.runId);
        w.staleRuns.push(e.runId);
        break;
      case 'revert-doctor':
        w.doctorReverts.add(e.runId);
        break;
      case 'finish-agent':
        if (!e.keep && !e.handover) w.reverts.add(e.runId);
        break;
      case 'emit': {
        const ev = e.event;
        if (!Number.isFinite(ev.time)) return `event ${ev.type} with time ${ev.time}`;
        if (ev.type === 'incident.resolved') {
          const ttr = (ev.details as { ttrMs?: number } | undefined)?.ttrMs;
          if (typeof ttr !== 'number' || !(ttr >= 0)) return `incident resolved with ttrMs ${ttr}`;
          resolved = true;
        }
        if (ev.type === 'incident.opened') opened = true;
        break;
      }
      default:
    }
  }
  // The incident: one at a time, its id stable until it resolves.
  if (prev.incident && next.incident && prev.incident.id !== next.incident.id && !resolved) return `incident ${prev.incident.id} became ${next.incident.id} without resolving`;
  if (next.incident && next.incident.id !== prev.incident?.id && !opened) return `incident ${next.incident.id} appeared without incident.opened`;
  if (next.incident && w.staleIncidents.includes(next.incident.id)) return `resolved incident ${next.incident.id} came back`;
  if (prev.incident && (!next.incident || next.incident.id !== prev.incident.id)) w.staleIncidents.push(prev.incident.id);
  if (next.work && next.work.incidentId !== next.incident?.id) return `work ${next.work.kind} belongs to ${next.work.incidentId}, the incident is ${next.incident?.id ?? 'none'}`;
  if (next.held?.reason === 'repair' && !next.work) return 'held for a repair with no repair in flight';
  if (w.personStopped && next.desired !== 'down') return "a person's stop was undone (desired up)";
  if (next.desired === 'down' && opened) return 'an incident opened for a service a person stopped';
  // Nor healed any other way: a person's stop that could not be sent leaves it running, wanted down, for its manager.
  if (next.desired === 'down' && next.afterStop?.then === 'start') return 'a restart ordered for a service a person stopped';
  const healing = next.desired === 'down' && fx.find((e) => e.type === 'start' || e.type === 'restart-scope');
  if (healing) return `${healing.type} ordered for a service a person stopped`;
  if (next.phase === 'backoff' && (next.nextStartAt === null || next.held)) return 'backoff with no due time, or held';
  // (not on the state a new daemon loaded, before its boot adopts or clears the instance: a standby placement comes first)
  const preBoot = w.daemon === 'down' && input.type === 'placement';
  if (next.phase === 'held' && next.instance && !preBoot) return 'phase held with an instance';
  // (the label 'held' may linger without a hold while nothing may start it: maintenance, a standby member)
  if (next.phase === 'held' && !next.held && !next.work && !next.maintenance && !(next.placement && !next.placement.active)) return 'phase held without a hold or a repair';
  if (next.phase === 'running' && !next.instance) return 'phase running without an instance';
  if (next.work && !(next.work.deadline >= next.work.startedAt)) return 'work with its deadline before its start';
  // (a doctor run during maintenance is one a person asked for)
  // (a start a person asked for while a failed run's files were put back is theirs, carried out once they are)
  if (prev.maintenance && next.maintenance && !human && !personAsked && !['placement', 'shutdown', 'boot', 'started', 'tick', 'clock-stepped', 'doctor-done'].includes(input.type)) {
    // A restart already under way (stopped, to start again) completes: maintenance never leaves half of it done.
    // So does a start a person's stop or restart cancelled before its spawn (cancel-start): the fresh start it may order
    // is that person's latest wish (the restart's, or a start or resume asked since the stop).
    const finishing = (input.type === 'exited' && prev.phase === 'stopping' && prev.afterStop?.then === 'start') || (input.type === 'start-cancelled' && input.by !== undefined);
    const acted = finishing ? undefined : fx.find((e) => e.type === 'start' || e.type === 'stop' || e.type === 'run-doctor' || e.type === 'run-agent' || e.type === 'restart-scope');
    if (acted) return `${acted.type} during maintenance on ${input.type}`;
  }
  // The reducer's picture agrees with the processes.
  if (w.daemon === 'up') {
    if (next.instance && next.instance.pid !== w.proc?.pid) return `the state records pid ${next.instance.pid}, the live one is ${w.proc?.pid ?? 'none'}`;
    if (!next.instance && w.proc) return `pid ${w.proc.pid} runs unrecorded`;
    if (next.phase === 'starting' && !w.start) return 'phase starting with no start in flight (stuck)';
    if (next.phase === 'stopping' && !w.stopping) return 'phase stopping with no stop in flight (stuck)';
    const wk = next.work;
    if (wk?.kind === 'doctor' && !w.doctors.has(wk.id)) return `doctor run ${wk.id} pending, none running`;
    if (wk?.kind === 'agent' && !w.agents.has(wk.id)) return `agent run ${wk.id} pending, none running`;
    if (wk?.kind === 'revert' && !(wk.doctorRunId ? w.doctorReverts.has(wk.doctorRunId) : w.reverts.has(wk.agentRunId ?? ''))) return `revert of ${wk.doctorRunId ?? wk.agentRunId} pending, none running`;
    const placed = !next.placement || (next.placement.active && next.placement.stopBy !== null && now < next.placement.stopBy);
    // Judged after a tick: a due deadline (a lease's stopBy, a backoff) acts at its tick.
    if (
      input.type === 'tick' &&
      next.desired === 'up' && next.phase === 'stopped' && !next.held && !next.maintenance && !next.work && !w.start && !w.proc &&
      p.restartPolicy === 'always' && placed && !next.disposed && !w.waitingDeps && next.incident?.status !== 'waiting-human'
    )
      return 'wanted up, nothing holds it, and nothing will start it';
    if (input.type === 'tick' && !next.disposed) {
      const wake = nextWake(next, p);
      if (wake !== null && wake <= now) return `a tick at ${now} left a wake at ${wake} (a busy loop)`;
    }
  }
  // Persistable: plain JSON, and what a new daemon loads keeps what matters.
  const bad = notPlainJson(next, 'state');
  if (bad) return bad;
  const back = JSON.parse(JSON.stringify(next)) as ServiceState;
  const { incident, ...record } = back;
  const loaded = normalizeState(record, incident, 'up');
  // afterStop is carried only from a live 'stopping' phase: the boot right after the load turns it into one again.
  if (w.checks++ % 8 === 0) {
    const again = normalizeState(JSON.parse(JSON.stringify({ ...loaded, incident: undefined })), loaded.incident, 'up');
    if (JSON.stringify({ ...again, afterStop: null }) !== JSON.stringify({ ...loaded, afterStop: null })) return 'normalizeState is not idempotent';
  }
  for (const k of ['desired', 'instance', 'held', 'incident', 'work', 'restartHistory', 'maintenance', 'agentRuns', 'restartsTotal', 'lastExit', 'coolDownUntil'] as const) {
    if (JSON.stringify(loaded[k]) !== JSON.stringify(next[k])) return `normalizeState lost ${k}`;
  }
  if (next.phase === 'backoff' && !next.held && loaded.nextStartAt !== next.nextStartAt) return 'normalizeState lost the backoff due time';
  return null;
}

/** Picks the next well-formed input from what the world and the state allow. */
function nextInput(r: () => number, w: World, s: ServiceState, p: ServicePolicy, singleton: boolean): ServiceInput {
  const pick = <T>(xs: T[]): T => xs[Math.floor(r() * xs.length)]!;
  const stale = (): number => (w.stalePids.length > 0 && r() < 0.7 ? pick(w.stalePids) : 99_999);
  const staleRun = (): string => (w.staleRuns.length > 0 ? pick(w.staleRuns) : 'run-stale');
  // A cluster member marks a singleton a standby before its boot (cluster-plugin), until it wins the lease.
  if (w.daemon === 'down' && singleton && !s.placement) return { type: 'placement', active: false, holder: null, reason: 'waiting for the election' };
  if (w.daemon === 'down') return { type: 'boot', adopted: w.proc ? { pid: w.proc.pid, pidStartTime: 1, startedAt: s.instance?.startedAt ?? w.now } : null, waitsForDependencies: r() < 0.3 };
  // The shutdown waits for the stop it ordered; nothing but the exit is heard meanwhile.
  if (w.daemon === 'disposed') return { type: 'exited', pid: w.proc!.pid, code: null, signal: 'SIGTERM', at: w.now, statusKnown: true };
  const options: Array<[number, () => ServiceInput | null]> = [
    [6, () => (w.start ? { type: 'started', instance: { pid: w.nextPid++, pidStartTime: 1, startedAt: w.now }, reason: w.start } : null)],
    // With its code: a program that cannot be executed, held at once; without: a launch error, retried on the backoff.
    [1, () => (w.start ? { type: 'start-failed', error: 'spawn ENOENT', ...(r() < 0.5 ? { code: 'ENOENT' } : {}) } : null)],
    [1, () => (w.start ? { type: 'preflight-failed', problem: 'port 8080 is held', ...(r() < 0.3 ? { personOnly: true } : {}) } : null)],
    [4, () => (w.start && w.cancelBy ? { type: 'start-cancelled', by: w.cancelBy, ...(r() < 0.3 ? { instance: { pid: w.nextPid++, pidStartTime: 1, startedAt: w.now } } : {}) } : null)],
    [
      5,
      () =>
        w.proc && !w.released
          ? w.stopping && r() < 0.8
            ? { type: 'exited', pid: w.proc.pid, code: null, signal: 'SIGTERM', at: w.now, statusKnown: true }
            : { type: 'exited', pid: w.proc.pid, code: pick([0, 1, 1, 78, null]), signal: null, at: w.now, statusKnown: r() < 0.9, ...(r() < 0.2 ? { outsideGroup: 1 } : {}) }
          : null,
    ],
    [1, () => ({ type: 'exited', pid: stale(), code: 1, signal: null, at: w.now, statusKnown: true })],
    [6, () => (w.proc && !w.released ? { type: 'healthy', pid: w.proc.pid } : null)],
    [1, () => ({ type: 'healthy', pid: stale() })],
    [
      3,
      () =>
        w.proc && !w.released
          ? { type: 'unhealthy', pid: w.proc.pid, probe: 'http', finding: pick([undefined, 'memory-limit', 'hang', 'readiness:channel:telegram']), message: 'down', since: w.now - Math.floor(r() * 5000) }
          : null,
    ],
    [1, () => ({ type: 'unhealthy', pid: stale(), probe: 'http', message: 'down' })],
    [8, () => ({ type: 'tick' })],
    [2, () => ({ type: 'request', action: pick(['start', 'stop', 'restart', 'resume', 'doctor', 'reset'] as const), by: 'human' })],
    [1, () => ({ type: 'request', action: 'restart', by: pick(['prediction', 'group'] as const) })],
    [1, () => ({ type: 'request', action: 'restart', by: 'agent', runId: s.work?.kind === 'agent' && r() < 0.7 ? s.work.id : staleRun() })],
    [3, () => (w.doctors.size > 0 ? { type: 'doctor-done', runId: pick([...w.doctors]), outcome: pick(['fixed', 'nothing-found', 'not-fixed'] as const), summary: 'looked' } : null)],
    [2, () => (w.doctors.size > 0 ? { type: 'doctor-done', runId: pick([...w.doctors]), outcome: 'fixed', summary: 'rewrote the config', files: [{ path: '/c.json', before: 'a', after: 'b', snapshotId: 's' }] } : null)],
    [1, () => ({ type: 'doctor-done', runId: staleRun(), outcome: 'fixed', summary: 'stale' })],
    [3, () => (w.agents.size > 0 ? { type: 'agent-done', runId: pick([...w.agents]), outcome: pick(['completed', 'completed', 'failed', 'timeout', 'proposed', 'busy'] as const), summary: 's', detail: 'd' } : null)],
    // Busy waiting for another agent run that ends by its time box (at times far ahead: the wait's own bound).
    [1, () => (w.agents.size > 0 ? { type: 'agent-done', runId: pick([...w.agents]), outcome: 'busy', summary: 's', detail: 'd', launched: false, busyUntil: w.now + Math.floor(r() * (r() < 0.1 ? 86_400_000 : 900_000)) } : null)],
    [1, () => ({ type: 'agent-done', runId: staleRun(), outcome: 'completed', summary: 's', detail: 'd' })],
    [3, () => (w.reverts.size > 0 ? { type: 'agent-reverted', runId: pick([...w.reverts]), ...(r() < 0.2 ? { error: 'git failed' } : {}) } : null)],
    [1, () => ({ type: 'agent-reverted', runId: staleRun() })],
    [3, () => (s.work?.kind === 'revert' && s.work.doctorRunId && w.doctorReverts.has(s.work.doctorRunId) ? { type: 'doctor-reverted', runId: s.work.doctorRunId, reverted: r() < 0.7 ? ['/c.json'] : [], kept: r() < 0.3 ? ['/c.json changed since'] : [] } : null)],
    [1, () => ({ type: 'doctor-reverted', runId: staleRun(), reverted: [], kept: [] })],
    [2, () => (s.work?.kind === 'approval' ? { type: 'approval', incidentId: s.work.incidentId, approve: r() < 0.6, by: 'ann' } : null)],
    [1, () => ({ type: 'approval', incidentId: w.staleIncidents.length > 0 ? pick(w.staleIncidents) : 'inc-stale', approve: true, by: 'ann' })],
    [1, () => ({ type: 'maintenance', on: true, until: r() < 0.5 ? w.now + Math.floor(r() * 20_000) : null, by: 'cli' })],
    [1, () => ({ type: 'maintenance', on: false, by: 'cli' })],
    [1, () => (w.stopping ? { type: 'effect-failed', effect: 'stop', error: 'EPERM' } : null)],
    [1, () => (w.stopping ? { type: 'effect-failed', effect: 'stop', error: 'pid 1 was not signalled', nothingSent: true } : null)],
    [2, () => (w.waitingDeps ? { type: 'dependencies-ready' } : null)],
    [
      singleton ? 4 : 0,
      () =>
        r() < 0.75
          ? { type: 'placement', active: true, token: r() < 0.7 && s.placement?.token != null ? s.placement.token : w.nextToken++, holder: 'me', stopBy: w.now + 1000 + Math.floor(r() * 9000), killBy: w.now + 12_000 }
          : { type: 'placement', active: false, holder: pick([null, 'other']) },
    ],
  ];
  const total = options.reduce((n, [wt]) => n + wt, 0);
  for (let tries = 0; tries < 50; tries++) {
    let x = r() * total;
    for (const [wt, make] of options) {
      x -= wt;
      if (x < 0) {
        const input = make();
        if (input) return input;
        break;
      }
    }
  }
  return { type: 'tick' };
}

interface Outcome {
  violation: string | null;
  steps: Step[];
}

function emptyWorld(): World {
  return {
    now: 1_000_000,
    proc: null,
    released: false,
    start: null,
    cancelBy: null,
    stopping: false,
    stopAt: null,
    doctors: new Set(),
    agents: new Set(),
    reverts: new Set(),
    doctorReverts: new Set(),
    nextPid: 100,
    stalePids: [],
    staleRuns: [],
    staleIncidents: [],
    daemon: 'down',
    personStopped: false,
    autoStarts: [],
    nextToken: 1,
    waitingDeps: false,
    checks: 0,
  };
}

/** A new daemon: the executor's in-flight work is gone, the state is what state.json kept. */
function restartDaemon(w: World, s: ServiceState, r: () => number): ServiceState {
  w.daemon = 'down';
  w.doctors.clear();
  w.agents.clear();
  w.reverts.clear();
  w.doctorReverts.clear();
  w.stopping = false;
  // A spawn under way when the daemon died may have happened (found unrecorded and adopted) or not.
  if (w.start && !w.proc && r() < 0.5) w.proc = { pid: w.nextPid++ };
  w.start = null;
  w.cancelBy = null;
  const { incident, ...record } = JSON.parse(JSON.stringify(s)) as ServiceState;
  return normalizeState(record, incident, 'up');
}

function runSequence(seed: number, trace = false): Outcome {
  const r = prng(seed);
  const p = policyFor(r);
  const singleton = r() < 0.2;
  const w = emptyWorld();
  let s = initialState(r() < 0.9 ? 'up' : 'down');
  const steps: Step[] = [];
  let ids = 0;
  for (let i = 0; i < STEPS; i++) {
    // The daemon goes away now and then: a shutdown (stop or release), or killed outright.
    if (w.daemon === 'up' && r() < 0.03) {
      if (r() < 0.5) {
        const input: ServiceInput = { type: 'shutdown', stopService: r() < 0.5 };
        const out = feed(input);
        if (out) return { violation: out, steps };
        continue;
      }
      s = restartDaemon(w, s, r);
    } else if (w.daemon === 'disposed' && (!w.proc || !w.stopping || r() < 0.2)) {
      s = restartDaemon(w, s, r);
    }
    let input = nextInput(r, w, s, p, singleton);
    if (input.type === 'tick') {
      const wake = nextWake(s, p);
      w.now = wake !== null && r() < 0.6 ? Math.max(w.now, wake) : w.now + Math.floor(r() * 5000);
    } else if (r() < 0.1 && w.daemon === 'up') {
      const byMs = Math.floor((r() * 2 - 1) * HOUR);
      w.now += byMs;
      input = { type: 'clock-stepped', byMs };
    } else w.now += Math.floor(r() * 2000);
    if (input.type === 'exited') input = { ...input, at: w.now };
    const out = feed(input);
    if (out) return { violation: out, steps };
  }
  return { violation: null, steps };

  function feed(input: ServiceInput): string | null {
    const step = { now: w.now, input };
    steps.push(step);
    worldHears(w, input);
    const d = decide(s, input, { now: w.now, random: r, newId: (k) => `${k}-${++ids}` }, p);
    const violation = check(w, p, s, step, d.state, d.effects);
    if (trace) {
      const st = d.state;
      const fx = d.effects.map((e) => (e.type === 'emit' ? e.event.type : e.type === 'start' ? `START(${e.reason})` : e.type.toUpperCase())).join(' ');
      console.log(`t=${w.now} ${JSON.stringify(input)}\n    -> ${st.phase} desired=${st.desired} inst=${st.instance?.pid ?? '-'} held=${st.held?.reason ?? '-'} inc=${st.incident ? `${st.incident.id}/L${st.incident.level}/${st.incident.status}` : '-'} work=${st.work ? `${st.work.kind}:${st.work.id}` : '-'} afterStop=${JSON.stringify(st.afterStop)} hist=${st.restartHistory.length} pl=${JSON.stringify(st.placement ?? null)} | ${fx}${violation ? `\n    !!! ${violation}` : ''}`);
    }
    s = d.state;
    return violation;
  }
}

/** Seeds past the first SEQUENCES that broke an invariant once (runs over 6000 and 3000 seeds found them): kept as regressions. */
const FOUND_SEEDS = [683, 846, 975, 1475, 1488, 2274, 2796, 2807, 2913, 3072, 3309, 3480, 3974, 4322];

/** FUZZ_TRACE=<seed> prints that sequence step by step (the state after each input and what it ordered). */
const TRACE = Number(process.env.FUZZ_TRACE ?? 0);

describe('reducer fuzz: seeded random input sequences keep every invariant', () => {
  it(`${SEQUENCES} sequences x ${STEPS} inputs`, () => {
    const failures: string[] = [];
    const seeds = TRACE ? [TRACE] : [...Array.from({ length: SEQUENCES }, (_, i) => i + 1), ...FOUND_SEEDS];
    for (const seed of seeds) {
      const out = runSequence(seed, TRACE > 0);
      if (out.violation) {
        const tail = out.steps.slice(-12).map((st) => `  t=${st.now} ${JSON.stringify(st.input)}`);
        failures.push(`seed ${seed}: ${out.violation}\n${tail.join('\n')}`);
      }
    }
    expect(failures.slice(0, 5).join('\n\n')).toBe('');
    // Bounded by the number of sequences (a long hunt outlasts the default test timeout), generous for a loaded host.
  }, Math.max(120_000, SEQUENCES * 200));
});
