// A service's Level 1 watchdog: one ProbeWorker per configured probe, folded into healthy/unhealthy verdicts.
import { statSync } from 'node:fs';
import type { Clock, TimerHandle } from '../platform/clock.js';
import type { ServiceConfig } from '../config/schema.js';
import type { ClawbackEvent } from '../observe/events.js';
import { ProbeWorker, type ProbeTickReport, type ProbeVerdict } from '../probes/probe-worker.js';
import { createProbe } from '../probes/registry.js';
import { ProbeScheduler } from '../probes/probe-scheduler.js';
import { ProcessTable } from '../platform/process-table.js';
import type { ProbeTarget } from '../probes/probe-types.js';
import type { ProbeConfigOf } from '../probes/probe-schema.js';
import { lastWordsMatches } from '../probes/log-probe-last-words.js';
import { rotationMarkSync } from '../probes/log-generations.js';
import type { LogEmptyingCount } from '../observe/log-emptyings.js';
import { unknownStreakEvent, type UnknownStreaks } from './unknown-streak.js';
import type { ServiceInstance } from '../supervisor/service-process.js';
import type { HealthEvents, HealthWatch, ProbeStatusView } from './service-runtime.js';

export interface HealthWatchOptions {
  service: ServiceConfig;
  logFile: string;
  clock: Clock;
  events: HealthEvents;
  emit(event: ClawbackEvent): void;
  onProbeResult?: (report: ProbeTickReport) => void;
  /**
   * True while nothing will act on an unhealthy verdict (maintenance): the verdict does not latch, the probe
   * keeps judging the same instance, so a fix made meanwhile is seen.
   */
  keepJudging?: () => boolean;
  /** With no restart-type probe, an instance up this long counts as healthy. */
  minUptimeMs?: number;
  /** The daemon's one scheduler and process table, shared by every service (one per watch otherwise). */
  scheduler?: ProbeScheduler;
  processTable?: ProcessTable;
  /** The daemon's live count of its own emptyings of logFile (observe/log-emptyings.ts), handed to the log probes. */
  logEmptyings?: LogEmptyingCount;
}

function fileSize(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

export function probeHealthWatch(opts: HealthWatchOptions): HealthWatch {
  const { service, clock, events } = opts;
  let target: ProbeTarget | undefined;
  let started = false;
  let uptimeTimer: TimerHandle | undefined;
  const liveness = new Map<string, 'healthy' | 'unhealthy' | 'pending'>();
  const memoryWarned = new Set<string>();
  /**
   * Per probe: when the failed check that began its current run of failures started. That run is what makes the
   * verdict, so this is the first failure signal time to recover counts from (not the verdict, which comes
   * (failureThreshold - 1) intervals plus a timeout later).
   */
  const failingSince = new Map<string, number>();
  const logProbes = service.probes.filter((p): p is ProbeConfigOf<'log'> => p.kind === 'log');
  /** Per log probe: the failures in a row that make its verdict (a match in the start-up grace is reported at that count). */
  const logThresholds = new Map(logProbes.map((p) => [p.name ?? p.kind, p.failureThreshold]));
  /** Per log probe: how far its ticks read the service's log during the current instance. */
  const logReadTo = new Map<string, number>();
  /** Per log probe: the inode of the log's file.1 at its last read (at the attach before one): a rotation changes it. */
  const logMarks = new Map<string, number | undefined>();
  /**
   * Per log probe: failed ticks in a row in its grace. Counted here, not from the worker's run: in the service's start-up
   * window (startup.timeout) failures are not counted there at all, so a match in it never reached the threshold.
   */
  const graceFailures = new Map<string, number>();
  /** How far the last instance's output was read at its exit (handed to the next instance's target). */
  let lastWordsReadTo: number | undefined;
  /** The instance last attached: a second attach of it (judged again) does not go back to its spawn's log offset. */
  let attachedPid: number | undefined;
  /** Per probe: its unknown-streak threshold, and the streaks already alerted (one probe.unknown each). */
  const unknownThresholds = new Map(service.probes.map((p) => [p.name ?? p.kind, p.unknownThreshold]));
  const unknownAlerted: UnknownStreaks = new Map();

  const onVerdict = (v: ProbeVerdict): void => {
    if (!target) return;
    if (v.action === 'restart') {
      liveness.set(v.name, v.verdict);
      if (v.verdict === 'unhealthy') {
        events.unhealthy(v.name, v.result.finding, v.result.message, failingSince.get(v.name));
        if (opts.keepJudging?.()) {
          liveness.set(v.name, 'pending');
          workers.find((w) => w.snapshot().name === v.name)?.resetForNewInstance();
        }
        return;
      }
      if ([...liveness.values()].every((x) => x === 'healthy')) events.healthy();
      return;
    }
    if (v.action === 'notify' && v.verdict === 'unhealthy') probeFailed(v);
  };

  /** A probe's failure told as an event (a notify verdict, or a log match in the grace with `extra` saying so). */
  const probeFailed = (r: Pick<ProbeVerdict, 'name' | 'kind' | 'result'>, extra: Record<string, unknown> = {}): void => {
    opts.emit({
      type: 'probe.failed',
      time: clock.now(),
      severity: 'warning',
      service: service.name,
      message: `${service.name}: probe ${r.name} failed: ${r.result.message}`,
      details: { probe: r.name, kind: r.kind, finding: r.result.finding, ...(r.result.details ?? {}), ...extra },
    });
  };

  const onResult = (r: ProbeTickReport): void => {
    // 'unknown' (the probe could not run) neither starts nor breaks a run of failures, as in the thresholds.
    if (r.result.status === 'failure') {
      if (r.consecutiveFailures <= 1 || !failingSince.has(r.name)) failingSince.set(r.name, r.at - r.durationMs);
    } else if (r.result.status === 'success') failingSince.delete(r.name);
    opts.onProbeResult?.(r);
    events.probeReport?.(r);
    const othersFailing = failingSince.size > (failingSince.has(r.name) ? 1 : 0);
    const streak = unknownStreakEvent(service.name, r, unknownThresholds.get(r.name) ?? 3, unknownAlerted, clock.now(), r.inGrace || othersFailing);
    if (streak) opts.emit(streak);
    if (r.kind === 'log' && r.result.details?.['file'] === opts.logFile && typeof r.result.details['offset'] === 'number') {
      logReadTo.set(r.name, r.result.details['offset']);
      const mark = r.result.details['rotationMark'];
      logMarks.set(r.name, typeof mark === 'number' ? mark : undefined);
    }
    // A log line is an event, not a state: one matched in the start-up grace (no verdict possible, and the next tick's
    // "no new lines" forgets it) is reported now, once per run of failures as a verdict would be. The grace still
    // holds off the probe's action: nothing is restarted for it.
    if (r.kind === 'log' && r.result.status !== 'unknown') {
      graceFailures.set(r.name, r.inGrace && r.result.status === 'failure' ? (graceFailures.get(r.name) ?? 0) + 1 : 0);
    }
    if (r.kind === 'log' && r.inGrace && r.result.status === 'failure' && target && graceFailures.get(r.name) === logThresholds.get(r.name)) {
      probeFailed(r, { inGrace: true, pid: target.pid });
    }
    if (r.kind !== 'memory') return;
    if (r.result.finding === 'memory-warn' && !memoryWarned.has(r.name)) {
      memoryWarned.add(r.name);
      opts.emit({
        type: 'memory.warning',
        time: clock.now(),
        severity: 'warning',
        service: service.name,
        message: `${service.name}: ${r.result.message}`,
        details: { rssBytes: r.result.value, ...(r.result.details ?? {}) },
      });
    } else if (r.result.status === 'success' && !r.result.finding) {
      memoryWarned.delete(r.name);
    }
  };

  const scheduler = opts.scheduler ?? new ProbeScheduler(clock);
  // A table of its own (no shared one given) keeps descriptors open: closed when this watch stops.
  const ownTable = opts.processTable === undefined && service.probes.some((p) => p.kind === 'memory') ? new ProcessTable(clock) : undefined;
  const processTable = opts.processTable ?? ownTable;
  const workers = service.probes.map(
    (config) =>
      new ProbeWorker({
        config,
        probe: createProbe(config, { clock, ...(processTable ? { processTable } : {}) }),
        clock,
        scheduler,
        target: () => target,
        onResult,
        onVerdict,
        // The start-up window holds off the restart probes' judgement; memory is no start-up question, notify probes keep their grace.
        ...(service.startup && config.action === 'restart' && config.kind !== 'memory' ? { startupWindow: service.startup.timeout } : {}),
      }),
  );
  for (const w of workers) if (w.snapshot().action === 'restart') liveness.set(w.snapshot().name, 'pending');
  const hasLiveness = liveness.size > 0;

  /** The dying instance's output after the probes' last reads, read to its end: a match is a probe failure at the exit. */
  const reportLastWords = (dying: ProbeTarget): void => {
    const to = fileSize(opts.logFile);
    lastWordsReadTo = to;
    const readTo = new Map(logReadTo);
    void lastWordsMatches({ probes: logProbes, file: opts.logFile, startOffset: dying.logStartOffset ?? to, readTo, to, marks: new Map(logMarks), rotatedNow: rotationMarkSync(opts.logFile) })
      .then((found) => {
        for (const m of found) {
          opts.emit({
            type: 'probe.failed',
            time: clock.now(),
            severity: 'warning',
            service: service.name,
            message: `${service.name}: probe ${m.probe.name} failed: last output before the exit: ${m.line}`,
            details: { probe: m.probe.name, kind: 'log', finding: m.probe.finding, line: m.line, matches: m.matches, pattern: m.probe.pattern, atExit: true, pid: dying.pid },
          });
        }
      })
      .catch(() => undefined);
  };

  return {
    attach(inst: ServiceInstance, startedAgoMs = 0) {
      const newInstance = inst.pid !== attachedPid;
      target = {
        pid: inst.pid,
        startedAt: inst.startedAt,
        logFile: opts.logFile,
        // Where its output begins: the size taken just before its spawn (a fast child writes before this runs); the
        // same instance judged again (a scope restart) or one adopted goes on from here.
        logStartOffset: inst.logStartOffset !== undefined && newInstance ? inst.logStartOffset : fileSize(opts.logFile),
        ...(lastWordsReadTo !== undefined ? { lastWordsReadTo } : {}),
        ...(opts.logEmptyings ? { logEmptyings: opts.logEmptyings } : {}),
        env: service.env,
        ...(service.configFile
          ? {
              configFile: {
                path: service.configFile.path,
                format: service.configFile.format,
                ...(service.configFile.validateCommand ? { validateCommand: service.configFile.validateCommand } : {}),
              },
            }
          : {}),
      };
      attachedPid = inst.pid;
      for (const k of liveness.keys()) liveness.set(k, 'pending');
      failingSince.clear();
      logReadTo.clear();
      logMarks.clear();
      if (logProbes.length > 0) {
        const mark = rotationMarkSync(opts.logFile);
        for (const p of logProbes) logMarks.set(p.name ?? p.kind, mark);
      }
      graceFailures.clear();
      // A warning is about one instance: a new one over the level (from its first check) is warned about too.
      if (newInstance) memoryWarned.clear();
      if (!started) {
        started = true;
        for (const w of workers) w.start(startedAgoMs);
      } else {
        for (const w of workers) w.resetForNewInstance(startedAgoMs);
      }
      if (!hasLiveness) {
        uptimeTimer?.cancel();
        uptimeTimer = clock.setTimeout(() => {
          if (target?.pid === inst.pid) events.healthy();
        }, opts.minUptimeMs ?? 1000);
      }
    },
    startupWindow(remainingMs: number) {
      for (const w of workers) w.setStartupWindow(remainingMs);
    },
    detach() {
      const dying = target;
      target = undefined;
      uptimeTimer?.cancel();
      if (dying && logProbes.length > 0) reportLastWords(dying);
    },
    stop() {
      target = undefined;
      uptimeTimer?.cancel();
      for (const w of workers) w.stop();
      ownTable?.close();
    },
    snapshot(): ProbeStatusView[] {
      return workers.map((w) => {
        const s = w.snapshot();
        const r = s.lastResult;
        return {
          name: s.name,
          kind: s.kind,
          action: s.action,
          verdict: s.verdict,
          lastResult: r
            ? {
                status: r.status,
                message: r.message,
                ...(r.latencyMs !== undefined ? { latencyMs: r.latencyMs } : {}),
                ...(r.finding ? { finding: r.finding } : {}),
                ...(r.value !== undefined ? { value: r.value } : {}),
              }
            : null,
          lastCheckedAt: s.lastCheckedAt ?? null,
          ...(s.lastFailure ? { lastFailure: s.lastFailure } : {}),
          consecutiveFailures: s.consecutiveFailures,
          consecutiveSuccesses: s.consecutiveSuccesses,
          consecutiveUnknowns: s.consecutiveUnknowns,
          inGrace: s.inGrace,
        };
      });
    },
  };
}
