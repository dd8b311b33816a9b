// One bound for a whole `clawback guardian --once` pass: launchd starts no next pass while one runs (and cron's next one
// kills a stuck pass only after 3 min), so a step that never returned left the daemon unrevived with no report at all.
// The bound lives in a tiny child process, as a step stuck in a synchronous call (an open() of a state file on a
// filesystem that never answers) blocks the pass's own event loop, and a timer of its own with it.
import { spawn } from 'node:child_process';
import { writeSync } from 'node:fs';
import type { Clock } from '../platform/clock.js';

/** The watchdog's program: reads step names on stdin; its end (the pass exited) ends it; past the bound, ends the pass. */
const WATCHDOG = `
const [leftMs, pid, boundMs, oneLine] = [Number(process.argv[1]), Number(process.argv[2]), Number(process.argv[3]), process.argv[4] === '1'];
let step = 'starting';
let buf = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (d) => { buf += d; const lines = buf.split('\\n'); buf = lines.pop(); if (lines.length) step = lines[lines.length - 1]; });
process.stdin.on('end', () => process.exit(0));
process.stdin.on('error', () => process.exit(0));
setTimeout(() => {
  // Only the pass that spawned it: once that one is gone, this process has another parent.
  if (process.ppid !== pid) process.exit(0);
  try { process.kill(pid, 'SIGKILL'); } catch { process.exit(0); }
  const report = { outcome: 'timed-out', actions: [], errors: ['the pass did not finish within ' + Math.round(boundMs / 1000) + ' s (stuck at: ' + step + '): ended by its watchdog (SIGKILL, exit status 137); the next pass looks again'], durationMs: boundMs };
  try { require('node:fs').writeSync(1, (oneLine ? JSON.stringify(report) : JSON.stringify(report, null, 2)) + '\\n'); } catch {}
  process.exit(0);
}, leftMs);
`;

export interface PassWatchdog {
  /** The step the pass is at now (said in the report should the bound pass). */
  step(name: string): void;
  /** The pass ends on its own (its report is written, or it returns early): its own timer is cancelled. */
  done(): void;
}

/** The timed-out report, as the pass or its watchdog child prints it. */
function timedOutReport(boundMs: number, step: string, how: string, oneLine: boolean): string {
  const errors = [`the pass did not finish within ${Math.round(boundMs / 1000)} s (stuck at: ${step}): ${how}; the next pass looks again`];
  const report = { outcome: 'timed-out', actions: [], errors, durationMs: boundMs };
  return (oneLine ? JSON.stringify(report) : JSON.stringify(report, null, 2)) + '\n';
}

/**
 * Arms the bound, counted from the pass's start (`startedAt` on clock.monotonic(): 0, the process's start, for the
 * system clock), not from when the watchdog runs: a pass that took seconds to load under load overran it by as much.
 * A step that awaits past the bound is ended by the pass itself a moment before it (`timed-out` naming the step, exit
 * 1). A step blocked in a synchronous call cannot run that timer: then the child, which shares the pass's stdout (its
 * report goes where the pass's would) and ends with it, SIGKILLs the pass at the bound and reports (exit status 137).
 * Either way what the pass queued (pending-events.jsonl, state.json) is on disk; guardian.lock, left behind, names a
 * dead pid and the next pass takes it. `oneLine`: the report on one line, as the pass's own under `--json`.
 */
export function armPassWatchdog(boundMs: number, clock: Clock, startedAt = 0, oneLine = false): PassWatchdog {
  const leftMs = Math.max(1, Math.min(boundMs, boundMs - (clock.monotonic() - startedAt)));
  const child = spawn(process.execPath, ['-e', WATCHDOG, String(leftMs), String(process.pid), String(boundMs), oneLine ? '1' : '0'], { stdio: ['pipe', 'inherit', 'ignore'] });
  child.on('error', () => undefined);
  child.stdin.on('error', () => undefined);
  // Neither the child nor its pipe keeps a finished pass alive: its exit closes the pipe, which ends the child.
  child.unref();
  (child.stdin as unknown as { unref?: () => void }).unref?.();
  let step = 'starting';
  // Ahead of the child's SIGKILL, so that a pass whose event loop still turns exits 1 with its report.
  const own = clock.setTimeout(() => {
    try {
      writeSync(1, timedOutReport(boundMs, step, 'ended by its own bound (exit 1)', oneLine));
    } finally {
      process.exit(1);
    }
  }, Math.max(0, leftMs - Math.min(500, leftMs / 10)));
  return {
    step(name) {
      step = name.replace(/\n/g, ' ');
      if (!child.stdin.destroyed) child.stdin.write(`${step}\n`);
    },
    done() {
      own.cancel();
    },
  };
}
