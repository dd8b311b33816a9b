// The drill's hands on the daemon itself: is it alive, kill it, run the guardian, start it again.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { daemonInfoPath, parseDaemonInfo, type DaemonInfo } from '../daemon/daemon-info.js';
import { isSameProcess } from '../platform/proc.js';
import { recordedDaemonLives } from '../daemon/daemon-identity.js';
import { startDaemonDetached } from '../cli/cmd-install.js';
import type { Clock } from '../platform/clock.js';
import { pollUntil } from './poll.js';
import type { DrillContext } from './drill-context.js';
import { personStopSince, personStopText } from './daemon-stop-watch.js';

/** daemon.json read synchronously (usable in a signal handler). */
export function daemonInfoSync(stateDir: string): DaemonInfo | null {
  try {
    return parseDaemonInfo(readFileSync(daemonInfoPath(stateDir), 'utf8')).info;
  } catch {
    return null;
  }
}

/**
 * daemon.json when the daemon it names lives (recordedDaemonLives, the rule of the guardian, `run` and the doctor):
 * without a start time, a pid reused since (a `sleep` after a reboot) is no daemon, and the drill never signals it.
 */
export function daemonAliveSync(stateDir: string): DaemonInfo | null {
  const info = daemonInfoSync(stateDir);
  return info && recordedDaemonLives(info.pid, info.pidStartTime, info.startedAt) ? info : null;
}

/**
 * An undo step: whatever happens, the user is not left without a daemon the drill killed. A daemon a person stopped
 * since the drill began (daemon.stopped, or a stop on purpose under way) stays stopped: starting it overruled them.
 */
export function keepDaemonUp(ctx: DrillContext): () => void {
  return ctx.restore.push('start the daemon again if it is down', () => {
    const byPerson = personStopSince(ctx.target.stateDir, ctx.startedAt);
    if (byPerson !== undefined) return ctx.say(`${personStopText(byPerson)}: not starting it again`);
    if (daemonAliveSync(ctx.target.stateDir)) return;
    ctx.say('the daemon is down: starting it again');
    // With the --api-port it ran with (daemon.json), or it comes back on another port than it had.
    startDaemonDetached(ctx.target.stateDir, ctx.target.configFile ?? undefined, daemonInfoSync(ctx.target.stateDir)?.apiPortOverride);
  });
}

/**
 * Waits until the process that had pid and startTime (from daemon.json; null: unknown) is gone. Its pid alone could
 * name a newcomer that took the number at once (pid_max wraps), which would keep a plain isAlive(pid) true to the end.
 */
export async function waitDead(pid: number, clock: Clock, timeoutMs: number, startTime: number | null | undefined): Promise<boolean> {
  return (await pollUntil(() => !isSameProcess(pid, startTime), { clock, timeoutMs, intervalMs: 20 })) === true;
}

export interface GuardianRun {
  code: number | null;
  outcome: string | undefined;
  output: string;
}

/** Runs `clawback guardian --once` for this state dir and config as a child, bounded by timeoutMs. */
export function runGuardian(ctx: DrillContext, timeoutMs: number): Promise<GuardianRun> {
  const args = [ctx.cliEntry, 'guardian', '--once', '--state-dir', ctx.target.stateDir];
  if (ctx.target.configFile) args.push('--config', ctx.target.configFile);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    const unwind = ctx.restore.push('stop the guardian', () => child.kill('SIGKILL'));
    child.on('close', (code) => {
      clearTimeout(timer);
      unwind();
      let outcome: string | undefined;
      const json = out.slice(out.indexOf('{'), out.lastIndexOf('}') + 1);
      try {
        outcome = (JSON.parse(json) as { outcome?: string }).outcome;
      } catch {
        outcome = undefined;
      }
      resolve({ code, outcome, output: out.trim() });
    });
    child.on('error', () => undefined);
  });
}
