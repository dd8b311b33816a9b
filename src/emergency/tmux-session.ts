// A CLI agent in a detached tmux session: a real PTY a human can attach to, output piped to a transcript file.
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import type { Clock } from '../platform/clock.js';
import { processStartTime } from '../platform/proc.js';
import { holderOf, signalGroupOf, type LeaderRef } from '../platform/signal-group.js';

export interface TmuxOptions {
  /** tmux -L socket name: production "clawback"; tests use a private one. */
  socket: string;
  tmuxPath?: string;
  /** The tmux client's whole environment (default: the daemon's), and so a tmux server's it starts: keep secrets out. */
  env?: Record<string, string>;
  /**
   * The launcher's whole environment besides TERM: it starts under `env -i`, so nothing of the server's global
   * environment (whoever started the server) reaches it. Put no secret here: it is in the tmux command's argv.
   */
  sessionEnv?: Record<string, string>;
  width?: number;
  height?: number;
}

export interface TmuxExit {
  /** From the exit-status file the launcher writes; null when killed or unknown. */
  exitCode: number | null;
  aborted: boolean;
}

const TMUX_COMMAND_TIMEOUT_MS = 10_000;

/** tmux session names may not hold "." or ":"; keep them short and plain. */
export function tmuxSessionName(service: string, incidentId: string): string {
  return `clawback-${service}-${incidentId}`.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 100);
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

export class TmuxSession {
  private readonly tmux: string;
  /** The pane's process as start() saw it: a dead pane keeps its pid, which tmux has reaped and may be a stranger's. */
  private leader: LeaderRef | undefined;
  /** start() found the pane's pid already free (the launcher had ended and been reaped): no process there is its own. */
  private leaderEnded = false;

  constructor(
    readonly name: string,
    private readonly opts: TmuxOptions,
  ) {
    this.tmux = opts.tmuxPath ?? 'tmux';
  }

  attachCommand(): string {
    return `${this.tmux} -L ${shellQuote(this.opts.socket)} attach -t ${shellQuote(this.name)}`;
  }

  /** Runs one tmux client command; rejects with tmux's stderr on a non-zero exit. */
  command(args: string[]): Promise<string> {
    const env = this.opts.env ?? process.env;
    return new Promise((resolve, reject) => {
      execFile(this.tmux, ['-L', this.opts.socket, ...args], { env, timeout: TMUX_COMMAND_TIMEOUT_MS, encoding: 'utf8' }, (err, stdout, stderr) => {
        if (err) reject(new Error(`tmux ${args[0]}: ${(stderr || err.message).trim()}`));
        else resolve(stdout);
      });
    });
  }

  async exists(): Promise<boolean> {
    try {
      await this.command(['has-session', '-t', `=${this.name}`]);
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Starts `sh launcher` in a new detached session and, in the same tmux command queue (so no output is
   * lost), pipes the pane's output into transcriptFile (`cat >>`), or into `pipe`, a shell command, when one is given
   * (the bounded pane writer, output-cap.ts). Resolves to the pane's pid (the launcher, leader of its
   * process group), or undefined when tmux did not say.
   */
  async start(launcher: string, cwd: string, transcriptFile: string, pipe?: string): Promise<number | undefined> {
    const sessionEnv = Object.entries(this.opts.sessionEnv ?? {}).map(([k, v]) => `${k}=${shellQuote(v)}`);
    const out = await this.command([
      'new-session', '-d', '-P', '-F', '#{pane_pid}', '-s', this.name, '-x', String(this.opts.width ?? 200), '-y', String(this.opts.height ?? 50), '-c', cwd,
      ['env', '-i', 'TERM="$TERM"', ...sessionEnv, 'sh', shellQuote(launcher)].join(' '),
      ';', 'pipe-pane', '-o', '-t', `=${this.name}:`, pipe ?? `cat >> ${shellQuote(transcriptFile)}`,
    ]);
    const pid = Number(out.trim().split('\n')[0]);
    if (!Number.isInteger(pid) || pid <= 0) return undefined;
    this.leader = { pid, startTime: processStartTime(pid) };
    this.leaderEnded = this.leader.startTime === undefined && holderOf(this.leader) === 'free';
    return pid;
  }

  /** The launcher as start() saw it (pid and start time), for signalGroupOf once it may have ended. */
  leaderRef(): LeaderRef | undefined {
    return this.leader;
  }

  /** The pid of the pane's process (the launcher shell, leader of the agent's process group). */
  async panePid(): Promise<number | undefined> {
    return (await this.pane())?.pid;
  }

  /** The pane's pid and whether its process has ended (a `remain-on-exit` pane, from the user's tmux.conf, stays). */
  private async pane(): Promise<{ pid: number; dead: boolean } | undefined> {
    try {
      const [pidText, dead] = (await this.command(['display-message', '-p', '-t', `=${this.name}:`, '#{pane_pid} #{pane_dead}'])).trim().split(' ');
      const pid = Number(pidText);
      return Number.isInteger(pid) && pid > 0 ? { pid, dead: dead === '1' } : undefined;
    } catch {
      return undefined;
    }
  }

  /** Waits until the session has ended by itself or signal aborts (then kills it). Polls, bounded by the signal. */
  async wait(exitFile: string, clock: Clock, signal: AbortSignal, pollMs = 200, onPoll?: () => Promise<unknown>): Promise<TmuxExit> {
    for (;;) {
      if (signal.aborted) {
        await this.kill(clock);
        return { exitCode: null, aborted: true };
      }
      if (!(await this.exists())) break;
      // Under `remain-on-exit` the session outlives the launcher: its end is the run's end, not the time-box.
      if ((await this.pane())?.dead) {
        await this.command(['kill-session', '-t', `=${this.name}`]).catch(() => undefined);
        break;
      }
      await onPoll?.().catch(() => undefined);
      try {
        await clock.sleep(pollMs, signal);
      } catch {
        // aborted: handled at the top of the loop
      }
    }
    return { exitCode: await readExitCode(exitFile), aborted: false };
  }

  /** SIGTERM to the pane's process group, a grace, SIGKILL, then kill-session. Idempotent. */
  async kill(clock: Clock, graceMs = 2000): Promise<void> {
    const pane = await this.pane();
    if (pane !== undefined) {
      // A live pane's pid is its process (tmux has not reaped it); a dead one's only if start() saw that very process.
      const known = this.leader?.pid === pane.pid ? this.leader.startTime : undefined;
      // tmux may not have seen its pane's process end yet (a loaded machine): a pid that start() already found free is
      // a newcomer's whatever tmux says, as a dead pane's is.
      const ended = pane.dead || (this.leader?.pid === pane.pid && this.leaderEnded);
      const ref: LeaderRef = { pid: pane.pid, startTime: ended ? known : (known ?? processStartTime(pane.pid)) };
      signalGroupOf(ref, 'SIGTERM');
      const deadline = clock.monotonic() + graceMs;
      while (clock.monotonic() < deadline && groupAlive(pane.pid)) await clock.sleep(50);
      signalGroupOf(ref, 'SIGKILL');
    }
    try {
      await this.command(['kill-session', '-t', `=${this.name}`]);
    } catch {
      // already gone
    }
  }
}


function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

export async function readExitCode(exitFile: string): Promise<number | null> {
  try {
    const n = Number((await fs.readFile(exitFile, 'utf8')).trim());
    return Number.isInteger(n) ? n : null;
  } catch {
    return null;
  }
}

/** True when a tmux binary answers `-V`. */
export function tmuxAvailable(tmuxPath = 'tmux'): Promise<boolean> {
  return new Promise((resolve) => {
    execFile(tmuxPath, ['-V'], { timeout: 5000 }, (err) => resolve(!err));
  });
}
