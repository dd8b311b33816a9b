// One bound for a whole `clawback guardian --once` pass: launchd starts no next pass while one runs (and cron's next one
// kills a stuck pass only after 3 min), so a step that never returned left the daemon unrevived with no report at all.
// The bound lives in a tiny child process, as a step stuck in a synchronous call (an open() of a state file on a
// filesystem that never answers) blocks the pass's own event loop, and a timer of its own with it.
import { spawn } from 'node:child_process';

/** The watchdog's program: reads step names on stdin; its end (the pass exited) ends it; past the bound, ends the pass. */
const WATCHDOG = `
const [boundMs, pid] = [Number(process.argv[1]), Number(process.argv[2])];
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
  const report = { outcome: 'timed-out', actions: [], errors: ['the pass did not finish within ' + Math.round(boundMs / 1000) + ' s (stuck at: ' + step + '): ended by its watchdog (SIGKILL); the next pass looks again'], durationMs: boundMs };
  try { require('node:fs').writeSync(1, JSON.stringify(report, null, 2) + '\\n'); } catch {}
  process.exit(0);
}, boundMs);
`;

export interface PassWatchdog {
  /** The step the pass is at now (said in the report should the bound pass). */
  step(name: string): void;
}

/**
 * Arms the bound in a child that shares the pass's stdout (its report goes where the pass's would) and ends with it.
 * Past the bound the pass is SIGKILLed and the child reports `timed-out` with the step: what the pass queued
 * (pending-events.jsonl, state.json) is on disk; guardian.lock, left behind, names a dead pid and the next pass takes it.
 */
export function armPassWatchdog(boundMs: number): PassWatchdog {
  const child = spawn(process.execPath, ['-e', WATCHDOG, String(boundMs), String(process.pid)], { stdio: ['pipe', 'inherit', 'ignore'] });
  child.on('error', () => undefined);
  child.stdin.on('error', () => undefined);
  // Neither the child nor its pipe keeps a finished pass alive: its exit closes the pipe, which ends the child.
  child.unref();
  (child.stdin as unknown as { unref?: () => void }).unref?.();
  return {
    step(name) {
      if (!child.stdin.destroyed) child.stdin.write(`${name.replace(/\n/g, ' ')}\n`);
    },
  };
}
