// Without tmux, a CLI agent still gets a real PTY (node-pty): output captured, killed at the deadline.
import { spawn, type IPty } from '@lydell/node-pty';
import type { Clock } from '../platform/clock.js';
import { signalGroup } from '../platform/signal-group.js';
import { OUTPUT_CAP, cutMarker, fromLineStart } from './output-cap.js';

export interface PtyRunOptions {
  launcher: string;
  cwd: string;
  env: Record<string, string>;
  clock: Clock;
  signal: AbortSignal;
  onStarted(pid: number): void;
  width?: number;
  height?: number;
}

export interface PtyRunResult {
  exitCode: number | null;
  aborted: boolean;
  output: string;
}


/** After the exit: output still arriving is read until the PTY has been quiet this long, at most PTY_DRAIN_MAX_MS. */
const PTY_QUIET_MS = 150;
const PTY_DRAIN_MAX_MS = 2000;

export async function runInPty(opts: PtyRunOptions): Promise<PtyRunResult> {
  let output = '';
  // Characters cut from the front of the output (said in the transcript's marker), counted as they go.
  let cut = 0;
  const pty: IPty = spawn('/bin/sh', [opts.launcher], {
    name: 'xterm-256color',
    cols: opts.width ?? 200,
    rows: opts.height ?? 50,
    cwd: opts.cwd,
    env: opts.env,
  });
  let lastDataAt = opts.clock.monotonic();
  const dataSub = pty.onData((d) => {
    lastDataAt = opts.clock.monotonic();
    output += d;
    // The tail is what matters for a transcript (output-cap.ts), from a line start (never a secret's cut tail).
    if (output.length > 2 * OUTPUT_CAP) {
      const kept = fromLineStart(output.slice(output.length - OUTPUT_CAP));
      cut += output.length - kept.length;
      output = kept;
    }
  });
  opts.onStarted(pty.pid);
  const exited = new Promise<number | null>((resolve) => {
    pty.onExit(({ exitCode, signal }) => resolve(signal ? null : exitCode));
  });
  let aborted = false;
  const onAbort = (): void => {
    aborted = true;
    signalGroup(pty.pid, 'SIGTERM');
    const t = opts.clock.setTimeout(() => signalGroup(pty.pid, 'SIGKILL'), 2000);
    void exited.then(() => t.cancel());
  };
  if (opts.signal.aborted) onAbort();
  else opts.signal.addEventListener('abort', onAbort, { once: true });
  const exitCode = await exited;
  opts.signal.removeEventListener('abort', onAbort);
  // The group may still hold grandchildren the agent left behind (the group only: the pid itself may be reused).
  try {
    process.kill(-pty.pid, 'SIGKILL');
  } catch {
    // no such group left
  }
  // The exit can be reported before the last output is read from the PTY (the agent's last words, behind a flood):
  // wait until it has been quiet for a moment, bounded.
  const drainUntil = opts.clock.monotonic() + PTY_DRAIN_MAX_MS;
  while (opts.clock.monotonic() - lastDataAt < PTY_QUIET_MS && opts.clock.monotonic() < drainUntil) await opts.clock.sleep(25);
  dataSub.dispose();
  return { exitCode: aborted ? null : exitCode, aborted, output: cut > 0 ? `${cutMarker(cut, 'characters')}${output}` : output };
}

