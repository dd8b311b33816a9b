// The guardian's word to a human when it cannot bring the daemon back (and once when it is back): the daemon that
// delivers alerts is the one that is down, so the guardian sends through the same notify channels itself.
import { existsSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { loadConfig, parseConfigSource, readConfigText } from '../config/load.js';
import { createNotifier } from '../notify/dispatcher.js';
import { notifySchema, type NotifyConfig } from '../notify/notify-schema.js';
import type { ClawbackEvent } from '../observe/events.js';
import type { Redactor } from '../observe/redact.js';
import { writeFileAtomicSync } from '../platform/atomic-write.js';
import type { Clock } from '../platform/clock.js';
import type { GuardianReport } from './guardian.js';
import { readRegularFileSync } from '../platform/read-regular.js';
import { ensurePrivateDir } from '../platform/private-dir.js';
import { claimDirProblem } from './config-claim.js';
import { alertFallbackFile, readAlertFallback, removeAlertFallback, writeAlertFallback } from './guardian-alert-fallback.js';
import { mkdirRecursiveSync } from '../platform/mkdir-cause.js';

/** What was last said about a daemon the guardian could not revive (absent: nothing, or it is back). */
export const GUARDIAN_ALERT_FILE = 'guardian-alert.json';
/** The guardian notifier's own state dir (its outbox/): the daemon's outbox belongs to the daemon. */
export const GUARDIAN_NOTIFY_DIR = 'guardian-notify';
/** While the daemon stays down the alert is said again this often, not on every timer tick. */
export const GUARDIAN_ALERT_REPEAT_MS = 60 * 60_000;

export interface GuardianAlertState {
  /** Wall-clock ms of the first alert (for messages only). */
  downSince: number;
  /** Wall-clock ms of the last alert. */
  lastAlertAt: number;
  alerts: number;
  reason: string;
  /**
   * The kinds of reason (downKind) said since the last hourly alert; absent in a file from an older guardian. A reason
   * of another kind (exit 78 fixed, now SIGKILLed at start) is said at once, at most MAX_KINDS_PER_REPEAT per hour.
   */
  kinds?: string[];
}

/** Reasons of a new kind said within one repeat window at most: a reason that flips every pass is not said every pass. */
export const MAX_KINDS_PER_REPEAT = 4;

/** Pure: the kind of why the daemon is down, stable across passes (no pid, output or time in it). */
export function downKind(report: GuardianReport): string {
  const exit = report.daemonExit;
  if (report.configInvalid !== undefined) return 'config-invalid';
  if (report.startLoop) return 'start-loop';
  if (exit) return exit.error ? 'spawn-failed' : exit.signal ? `killed by ${exit.signal}` : `exit ${exit.code}`;
  return 'no-heartbeat';
}

export interface AlertStep {
  send: ClawbackEvent | null;
  /** The state to keep: 'keep' leaves the file as it is, null removes it. */
  next: GuardianAlertState | null | 'keep';
}

/** Pure: the kind kept for a hung stop on purpose: one per stop (its daemon's pid and when it began). */
function stopHungKind(hung: { pid: number; since: number }): string {
  return `stop-hung:${hung.pid}:${hung.since}`;
}

/** Pure: whether what was last said is a hung stop's alert (not a down daemon's). */
function isStopHungState(state: GuardianAlertState): boolean {
  return state.kinds !== undefined && state.kinds.length > 0 && state.kinds.every((k) => k.startsWith('stop-hung:'));
}

/** Why the daemon is down, in one paragraph (not yet redacted). */
export function downReason(report: GuardianReport): string {
  // A hung stop: the pass's errors say it all (pid, since when, its bound, what to do).
  if (report.stopHung) return report.errors.join('; ');
  const exit = report.daemonExit;
  const parts: string[] = [];
  if (report.configInvalid !== undefined) {
    // Said once: the services are not probed on it (the same message) and no daemon ran to print it again.
    parts.push(`the daemon's config does not load (exit 78, EX_CONFIG): fix its config, it is not restarted until then: ${report.configInvalid}`);
  } else if (report.startLoop) {
    const l = report.startLoop;
    parts.push(`the daemon's last ${l.count} starts all died before it started (the latest, pid ${l.pid}, while ${l.phase}): it is not started again until a person looks (its output, what it reads at start), then starts it or removes start-attempts.json`);
  } else if (exit) {
    parts.push(exit.error ? `the daemon could not be spawned (${exit.error})` : exit.signal ? `the daemon it started was killed by ${exit.signal}` : `the daemon it started exited with code ${exit.code} at once`);
  } else {
    parts.push('the daemon did not come back with a fresh heartbeat');
  }
  if (report.errors.length > 0) parts.push(`errors: ${report.errors.join('; ')}`);
  if (exit?.output) parts.push(`last output:\n${exit.output}`);
  return parts.join('. ');
}

/**
 * Pure: what to say after a pass. Down: say it once, then again every repeatMs while it stays down (either way apart
 * counts, so a clock set back does not silence it), and at once when the reason is of a new kind (bounded by
 * MAX_KINDS_PER_REPEAT a window). Running again after an alert: say so once. Anything else: nothing.
 */
export function guardianAlertStep(prev: GuardianAlertState | null, report: GuardianReport, reason: string, now: number, stateDir: string, repeatMs = GUARDIAN_ALERT_REPEAT_MS): AlertStep {
  const hung = report.stopHung;
  if (hung) {
    // Said once for that stop (its pid and start), not on every pass while it hangs: ending it is the person's call.
    const kind = stopHungKind(hung);
    if (prev?.kinds?.includes(kind)) return { send: null, next: 'keep' };
    return {
      send: {
        type: 'daemon.degraded',
        time: now,
        severity: 'critical',
        message: `Guardian: the clawback daemon of ${stateDir} hangs in the stop asked for at ${new Date(hung.since).toISOString()}; its services may be half stopped with nothing supervising them: ${reason}`,
        details: { by: 'guardian', stateDir, stopHung: true, pid: hung.pid, stoppingSince: hung.since, errors: report.errors },
      },
      next: { downSince: now, lastAlertAt: now, alerts: 1, reason, kinds: [kind] },
    };
  }
  if (prev && isStopHungState(prev)) {
    // That stop ended (finished, or the person killed the daemon): nothing more to say of it; a down daemon now is a
    // spell of its own, not "still down".
    if (report.outcome !== 'daemon-down') return { send: null, next: null };
    prev = null;
  }
  if (report.outcome === 'daemon-down') {
    const kind = downKind(report);
    let changed: string | undefined;
    if (prev && Math.abs(now - prev.lastAlertAt) < repeatMs) {
      // A file from an older guardian names no kinds: this one is taken as said (no extra alert at the upgrade).
      if (prev.kinds === undefined) return { send: null, next: { ...prev, kinds: [kind] } };
      if (prev.kinds.includes(kind) || prev.kinds.length >= MAX_KINDS_PER_REPEAT) return { send: null, next: 'keep' };
      changed = prev.kinds[prev.kinds.length - 1];
    }
    const alerts = (prev?.alerts ?? 0) + 1;
    const kinds = changed !== undefined ? [...prev!.kinds!, kind] : [kind];
    const still = alerts > 1 ? ` (still down, alert ${alerts}${changed !== undefined ? `; the reason changed: it was ${changed}, it is ${kind} now` : ''})` : '';
    return {
      send: {
        type: 'daemon.crashed',
        time: now,
        severity: 'critical',
        message: `Guardian could not revive the clawback daemon of ${stateDir}${still}: ${reason}`,
        details: { by: 'guardian', stateDir, ...(report.startLoop ? { startLoop: true, attempts: report.startLoop.count } : {}), code: report.daemonExit?.code ?? null, signal: report.daemonExit?.signal ?? null, output: report.daemonExit?.output ?? null, errors: report.errors, alerts },
      },
      next: { downSince: prev?.downSince ?? now, lastAlertAt: now, alerts, reason, kinds },
    };
  }
  const running = report.outcome === 'ok' || report.outcome === 'revived';
  if (!prev || !running) return { send: null, next: 'keep' };
  return {
    send: {
      type: 'daemon.recovered',
      time: now,
      severity: 'resolved',
      message: `The clawback daemon of ${stateDir} is running again (pid ${report.after?.pid ?? report.before?.pid ?? '?'}); the guardian had reported it down since ${new Date(prev.downSince).toISOString()}.`,
      details: { by: 'guardian', stateDir, downSince: prev.downSince, alerts: prev.alerts },
    },
    next: null,
  };
}

/**
 * Pure: of the events a direct revive emitted, those a person must hear of at once: a service left down at Level 4 (its
 * breaker tripped at restart.guardianStartLimit). The daemon that would tell the channels is the one that cannot start.
 * One message per service: the escalation, which names it and `clawback resume`; `limit` adds the limit it hit.
 */
export function serviceAlertsOf(events: readonly ClawbackEvent[], limitOf: (service: string) => string | undefined): ClawbackEvent[] {
  return events
    .filter(isServiceAlert)
    .map((e) => {
      const limit = limitOf(e.service!);
      // Its preflight refused the start (a port held, a config that does not load, another gateway owning its state): no start limit was hit.
      const refused = String(e.details?.reason ?? '').startsWith('preflight');
      const why = refused ? "its preflight refused the guardian's direct start, and nothing was started" : `the service hit its start limit under the guardian's direct revive${limit ? `, restart.guardianStartLimit ${limit}` : ''}`;
      const note = ` (said by the guardian: no daemon could start, and ${why}; it stays down until then)`;
      return { ...e, message: `${e.message.split('\n')[0]}${note}${e.message.includes('\n') ? e.message.slice(e.message.indexOf('\n')) : ''}` };
    });
}

/** A service left down at Level 4, waiting for a person: what serviceAlertsOf tells. */
export function isServiceAlert(e: ClawbackEvent): boolean {
  return e.type === 'incident.escalated' && e.severity === 'critical' && e.service !== undefined;
}

function readState(file: string): GuardianAlertState | null {
  try {
    return parseState(readRegularFileSync(file).toString('utf8'));
  } catch {
    return null;
  }
}

/** Of the state dir's file and the fallback's, the one said last. */
function laterState(a: GuardianAlertState | null, b: GuardianAlertState | null): GuardianAlertState | null {
  if (!a || !b) return a ?? b;
  return b.lastAlertAt > a.lastAlertAt ? b : a;
}

function parseState(text: string | null): GuardianAlertState | null {
  if (text === null) return null;
  try {
    const v = JSON.parse(text) as Partial<GuardianAlertState>;
    if (typeof v.lastAlertAt !== 'number' || typeof v.downSince !== 'number') return null;
    const kinds = Array.isArray(v.kinds) && v.kinds.every((k) => typeof k === 'string') ? { kinds: v.kinds.slice(0, MAX_KINDS_PER_REPEAT) } : {};
    return { downSince: v.downSince, lastAlertAt: v.lastAlertAt, alerts: typeof v.alerts === 'number' ? v.alerts : 1, reason: typeof v.reason === 'string' ? v.reason : '', ...kinds };
  } catch {
    return null;
  }
}

/** The notify section of the config; when the file is invalid elsewhere (why the daemon cannot start), that section alone. */
function notifyConfigOf(configPath: string | undefined, stateDir: string): { notify?: NotifyConfig; problem?: string } {
  try {
    return { notify: loadConfig({ ...(configPath ? { file: configPath } : {}), stateDir }).config.notify };
  } catch (err) {
    if (!configPath) return { problem: (err as Error).message };
    try {
      // The loader's bounded, non-blocking read: a FIFO or a device in the config's place must not hang the pass.
      const raw = parseConfigSource(readConfigText(configPath), configPath) as { notify?: unknown } | null;
      const r = notifySchema.safeParse(raw?.notify ?? {});
      if (r.success) return { notify: r.data };
      return { problem: `the notify section of ${configPath} is invalid too: ${r.error.issues[0]?.message ?? 'invalid'}` };
    } catch (err2) {
      return { problem: (err2 as Error).message };
    }
  }
}

/**
 * Where this pass spools its alerts: <stateDir>/guardian-notify, or beside the fallback file when the state dir refuses
 * the folder (a read-only remount: the mkdir threw EROFS and the alert of a daemon that is down was never sent).
 */
function notifySpoolDir(own: string, outside: string): string {
  if (!hasPending(outside)) {
    try {
      mkdirRecursiveSync(own, 0o700);
      return own;
    } catch {
      // the state dir refuses it: the spool outside
    }
  }
  ensurePrivateDir(path.dirname(outside));
  const problem = claimDirProblem(path.dirname(outside));
  if (problem !== undefined) throw new Error(problem);
  mkdirRecursiveSync(outside, 0o700);
  return outside;
}

function hasPending(dir: string): boolean {
  const outbox = path.join(dir, 'outbox');
  if (!existsSync(outbox)) return false;
  try {
    return readdirSync(outbox).some((ch) => readdirSync(path.join(outbox, ch)).some((f) => f.endsWith('.json')));
  } catch {
    return false;
  }
}

export interface GuardianAlertDeps {
  stateDir: string;
  configPath: string | undefined;
  clock: Clock;
  redactor: Redactor;
  /** How long delivery may take in this pass (default 10 s); what is not delivered stays spooled for the next pass. */
  flushMs?: number;
  /** Events of the services a person must hear of now (serviceAlertsOf), told with the daemon's own alert. */
  serviceAlerts?: readonly ClawbackEvent[];
  /** Where the last alert is kept when the state dir refuses it (default: defaultAlertFallbackDir()). */
  fallbackDir?: string;
}

/**
 * After a pass: tells the configured channels what guardianAlertStep says, through the notifier (dedup, retries, spool
 * in <stateDir>/guardian-notify/outbox, retried by the next pass). Returns lines for the pass's report.
 */
export async function alertGuardianOutcome(
  report: GuardianReport,
  deps: GuardianAlertDeps,
): Promise<{ actions: string[]; errors: string[]; said?: ClawbackEvent }> {
  const out: { actions: string[]; errors: string[]; said?: ClawbackEvent } = { actions: [], errors: [] };
  const serviceAlerts = deps.serviceAlerts ?? [];
  const stateFile = path.join(deps.stateDir, GUARDIAN_ALERT_FILE);
  const fallbackFile = alertFallbackFile(deps.stateDir, deps.fallbackDir);
  const ownNotifyDir = path.join(deps.stateDir, GUARDIAN_NOTIFY_DIR);
  // A state dir that refuses a new folder (read-only) keeps the spool beside the fallback file; while that spool holds
  // alerts, it is the one used, so they drain once the channel answers.
  const outsideNotifyDir = fallbackFile.replace(/\.json$/, '-notify');
  const prev = laterState(readState(stateFile), parseState(readAlertFallback(fallbackFile)));
  const step = guardianAlertStep(prev, report, deps.redactor.redact(downReason(report)), deps.clock.now(), deps.stateDir);
  // What it says belongs in the journal too (queued by the caller for the next daemon), told to a human or not.
  if (step.send) out.said = step.send;
  if (!step.send && serviceAlerts.length === 0 && !hasPending(ownNotifyDir) && !hasPending(outsideNotifyDir) && step.next === 'keep') return out;
  const { notify, problem } = notifyConfigOf(deps.configPath, deps.stateDir);
  let undelivered = 0;
  if (!notify || notify.channels.length === 0) {
    if (step.send || serviceAlerts.length > 0) out.errors.push(`no human was told: ${problem ? `no notification channel could be read (${problem})` : 'no notification channels are configured (notify.channels)'}`);
  } else {
    const notifyDir = notifySpoolDir(ownNotifyDir, outsideNotifyDir);
    const notifier = createNotifier(notify, { stateDir: notifyDir, clock: deps.clock, redactor: deps.redactor });
    try {
      if (step.send) notifier.publish(step.send);
      for (const e of serviceAlerts) notifier.publish(e);
      await notifier.flush(deps.flushMs ?? 10_000);
      const left = notifier.outboxDepth();
      undelivered = left;
      const told = [...(step.send ? [step.send.type] : []), ...serviceAlerts.map((e) => `${e.type} (${e.service})`)];
      if (told.length > 0) out.actions.push(`told ${notify.channels.map((c) => c.name ?? c.type).join(', ')}: ${told.join(', ')}${left > 0 ? ` (${left} not delivered yet: kept in ${notifyDir} for the next pass)` : ''}`);
    } finally {
      await notifier.stop();
    }
  }
  if (step.next === null) {
    removeAlertFallback(fallbackFile);
    rmSync(stateFile, { force: true });
  } else if (step.next !== 'keep') {
    const text = JSON.stringify(step.next);
    try {
      writeFileAtomicSync(stateFile, text, { mode: 0o600 });
      removeAlertFallback(fallbackFile);
    } catch (err) {
      const why = `${GUARDIAN_ALERT_FILE} could not be written (${(err as Error).message})`;
      if (undelivered > 0) {
        // Not delivered, and the spool is on the same disk: remembered as said, it would be lost; the next pass says it again.
        out.errors.push(`${why} and the alert is not delivered yet: the next pass says it again`);
      } else {
        try {
          writeAlertFallback(fallbackFile, text);
          out.actions.push(`${why}: remembered in ${fallbackFile} instead, so the next passes do not say it again within the hour`);
        } catch (err2) {
          out.errors.push(`${why}, nor ${fallbackFile} (${(err2 as Error).message}): the next pass may say it again`);
        }
      }
    }
  }
  return out;
}

