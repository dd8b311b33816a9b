// A second Ctrl-C while `clawback run` still loaded its config (a slow pipe, a hung filesystem: up to the loader's 60 s
// bound) was ignored until the load ended; as under PM2 and systemd, the second one exits now, says what it skipped,
// kills the loader process, keeps the stop (daemon.stopped) and lets go of daemon.lock.
import { execFileSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FIXTURES, NODE, tempDir } from '../helpers/daemon.js';
import { CLI } from '../helpers/cli.js';
import { isAlive, spawnMarked, waitFor } from '../helpers/processes.js';

const cleanup: Array<() => void> = [];
afterEach(() => {
  while (cleanup.length) {
    try {
      cleanup.pop()!();
    } catch {
      // keep cleaning
    }
  }
});

describe.skipIf(process.platform === 'win32')('clawback run: a second Ctrl-C while the config loads', () => {
  it('exits now, says what it skipped, the loader ended, the lock let go and the stop kept', async () => {
    const dir = tempDir('clawback-run-second-sigint-');
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const fifo = path.join(dir, 'clawback.yaml');
    execFileSync('mkfifo', [fifo]);
    const opened = path.join(dir, 'opened');
    const state = path.join(dir, 'state');
    execFileSync('mkdir', [state]);
    // --state-dir: the CLI reads nothing of the file itself, the loader process is its only reader.
    const d = spawnMarked(NODE, [CLI, 'run', '--config', fifo, '--state-dir', state]);
    cleanup.push(() => d.kill());
    const writer = spawnMarked(NODE, [path.join(FIXTURES, 'trickle-fifo.mjs'), fifo, opened]);
    cleanup.push(() => writer.kill());
    await waitFor(() => (existsSync(opened) ? true : undefined), { timeoutMs: 30_000, message: 'the loader opened the config' });
    expect(d.exitInfo(), d.stderr()).toBeUndefined();
    d.signal('SIGINT');
    await d.waitForStdout('Ctrl-C again to exit now', 20_000);
    d.signal('SIGINT');
    // Generous, yet well under the loader's 60 s bound and the writer that never stops (the old daemon waited for both).
    const exit = await d.waitForExit(30_000);
    expect(exit, d.stdout() + d.stderr()).toEqual({ code: 0, signal: null });
    expect(d.stdout()).toContain('stopping now: the config was still loading');
    expect(d.stdout()).toContain('no service was started or stopped');
    // The loader process is gone: its FIFO has no reader left, and the writer ends at its next write.
    await waitFor(() => (writer.exitInfo() ? true : undefined), { timeoutMs: 20_000, message: 'the loader ended (its writer saw no reader)' });
    expect(existsSync(path.join(state, 'daemon.lock')), 'daemon.lock let go').toBe(false);
    expect(existsSync(path.join(state, 'daemon.stopped')), 'a stop on purpose, kept for the guardian').toBe(true);
    expect(isAlive(d.pid)).toBe(false);
  }, 90_000);
});
