// A tmux pane kept after its process ended (`remain-on-exit`, a common line in a user's ~/.tmux.conf): the run ends
// with its launcher, not at the time-box, and the dead pane's pid (reaped by tmux, a stranger's after a pid wrap) is
// never signalled, nor the group a newcomer under that pid leads.
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { TmuxSession } from '../../src/emergency/tmux-session.js';
import { systemClock } from '../../src/platform/clock.js';
import { isAlive, spawnMarked, waitFor, type MarkedChild } from '../helpers/processes.js';
import { canSteerPids, startOnPid } from '../helpers/pid-steer.js';

function hasTmux(): boolean {
  try {
    execFileSync('tmux', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const children: MarkedChild[] = [];
let dir: string | undefined;
let session: TmuxSession | undefined;
afterEach(async () => {
  for (const c of children.splice(0)) {
    c.kill();
    await c.waitForExit(5000).catch(() => undefined);
  }
  await session?.command(['kill-server']).catch(() => undefined);
  session = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

/** A session on a private socket whose server reads a tmux.conf with `remain-on-exit on`; the launcher exits at once. */
async function deadPane(): Promise<{ pid: number; exitFile: string }> {
  dir = mkdtempSync(path.join(tmpdir(), 'clawback-tmux-dead-'));
  writeFileSync(path.join(dir, '.tmux.conf'), 'set -g remain-on-exit on\n');
  const exitFile = path.join(dir, 'exit-status');
  const launcher = path.join(dir, 'launcher.sh');
  writeFileSync(launcher, `echo 3 > '${exitFile}'\nexit 3\n`);
  session = new TmuxSession('clawback-svc-dead-pane', { socket: `clawback-test-dead-${process.pid}`, env: { ...(process.env as Record<string, string>), HOME: dir } });
  const pid = await session.start(launcher, dir, path.join(dir, 'transcript'));
  expect(pid).toBeGreaterThan(0);
  await waitFor(() => !isAlive(pid!) || undefined, { timeoutMs: 10_000, message: 'the launcher to end' });
  return { pid: pid!, exitFile };
}

describe('tmux session whose pane remains after its process ended', () => {
  it.skipIf(!hasTmux())('the run ends when the launcher ends (its exit status read), not at the time-box', async () => {
    const { exitFile } = await deadPane();
    const t0 = Date.now();
    const r = await session!.wait(exitFile, systemClock(), AbortSignal.timeout(20_000), 100);
    expect(r).toEqual({ exitCode: 3, aborted: false });
    expect(Date.now() - t0).toBeLessThan(15_000);
    expect(await session!.exists()).toBe(false);
  }, 40_000);

  it.skipIf(!hasTmux() || !canSteerPids())('kill() leaves alone the process (and its group) that took the dead pane\'s pid', async () => {
    const { pid } = await deadPane();
    const newcomer = startOnPid(pid, () => {
      const c = spawnMarked(process.execPath, ['-e', 'setInterval(() => {}, 1e9)']);
      children.push(c);
      return c;
    });
    if (!newcomer) return; // another process took the pid each time: nothing to judge
    await session!.kill(systemClock(), 300);
    await new Promise((r) => setTimeout(r, 300));
    expect(newcomer.exitInfo(), 'the stranger holding the dead pane\'s pid was signalled').toBeUndefined();
    expect(await session!.exists()).toBe(false);
  }, 40_000);
});
