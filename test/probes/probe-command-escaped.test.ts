// A probe command that starts a process in a session of its own (OpenClaw's `config validate` respawns itself detached)
// left it running after the check was aborted (its timeout, the daemon's stop): seen for ~25 s after a daemon exited.
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { runCommand } from '../../src/probes/run-command.js';
import { FIXTURES, NODE, tempDir } from '../helpers/daemon.js';
import { isAlive as alive, waitFor } from '../helpers/processes.js';


describe('a probe command aborted', () => {
  it('ends what it started in another session too, not only its own group', async () => {
    const pids = path.join(tempDir('cb-probe-escape-'), 'pids');
    const controller = new AbortController();
    const outcome = runCommand([NODE, path.join(FIXTURES, 'escaped-grandchild.mjs'), pids], { signal: controller.signal });
    await waitFor(() => existsSync(pids) && readFileSync(pids, 'utf8').includes(' '), { timeoutMs: 20_000, message: 'the command and its escaped grandchild running' });
    const [leader, grandchild] = readFileSync(pids, 'utf8').trim().split(' ').map(Number) as [number, number];
    try {
      expect(alive(grandchild)).toBe(true);
      controller.abort(new Error('the daemon is stopping'));
      expect((await outcome).kind).toBe('aborted');
      await waitFor(() => (!alive(leader) && !alive(grandchild) ? true : undefined), { timeoutMs: 5_000, message: `the command ${leader} and its grandchild ${grandchild} ended` });
    } finally {
      for (const pid of [leader, grandchild]) if (alive(pid)) process.kill(pid, 'SIGKILL');
    }
  }, 40_000);
});
