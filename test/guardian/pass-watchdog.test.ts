// A guardian pass has one bound for all its steps (--pass-timeout). A step stuck in a synchronous call (a state file
// that never answers an open(): a FIFO stands in for a hung filesystem) blocked the pass for ever: no report, no exit,
// and launchd (and a systemd oneshot until its TimeoutStartSec) ran no next pass, so the daemon stayed unrevived.
import { afterEach, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import YAML from 'yaml';
import { FIXTURES, NODE, markServices, tempDir } from '../helpers/daemon.js';
import { runCli } from '../helpers/cli.js';
import { processesWithArgs, waitFor } from '../helpers/processes.js';
import { freePort } from '../helpers/ports.js';

let holder: net.Server | undefined;
afterEach(async () => {
  await new Promise<void>((resolve) => (holder ? holder.close(() => resolve()) : resolve()));
  holder = undefined;
});

describe('guardian pass watchdog', () => {
  // guardian-alert.json was a second such step; it is read without blocking now (a FIFO there is no state).
  const cases = [
    { file: 'logs/daemon.out.log', step: 'checking and reviving the daemon', stuck: true },
    { file: 'guardian-alert.json', step: 'alerting the notify channels', stuck: false },
  ];
  for (const { file, step, stuck } of cases) {
    it(`a pass meeting a FIFO at ${file} ends within bounds (${stuck ? 'past --pass-timeout, timed-out naming the step' : 'read without blocking: not stuck'})`, async () => {
      const dir = tempDir('clawback-pass-watchdog-');
      const stateDir = path.join(dir, 'state');
      const configPath = path.join(dir, 'clawback.yaml');
      mkdirSync(path.join(stateDir, 'logs'), { recursive: true, mode: 0o700 });
      writeFileSync(path.join(stateDir, 'state.json'), '{}');
      // Nothing the pass starts outlives it: the daemon cannot start (its API port held), the service ends at once.
      const port = await freePort();
      holder = net.createServer();
      await new Promise<void>((resolve) => holder!.listen(port, '127.0.0.1', resolve));
      const service = { name: 'job', command: [NODE, path.join(FIXTURES, 'exit-with.mjs'), '0', '0'], restart: { policy: 'never' } };
      writeFileSync(configPath, YAML.stringify(markServices({ api: { port }, services: [service] })));
      execFileSync('mkfifo', [path.join(stateDir, file)]);
      const t0 = Date.now();
      // The bound counts from the pass's start, its load included: a 3 s bound was past on the loaded CI while the pass
      // was still rotating its own logs (stuck at: rotating its own logs), before it came to the FIFO. A stuck pass is
      // ended by a 10 s bound, which a loaded pass reaches the step within; one that is not stuck gets 15 s, so a slow
      // start under load (the whole suite on two cores) is no "timed-out": a read that blocked would still be ended by it, and named.
      const bound = stuck ? '10s' : '15s';
      const g = await runCli(['guardian', '--once', '--pass-timeout', bound, '--config', configPath, '--state-dir', stateDir], { timeoutMs: 30_000 }).catch((err: Error) => err);
      const took = Date.now() - t0;
      // A daemon the pass started may still be loading under load: the port stays held until it has given up (it
      // bound the port once the holder closed, and outlived the test), then whatever is left is ended.
      await waitFor(() => processesWithArgs(stateDir).length === 0, { timeoutMs: 30_000 }).catch(() => undefined);
      for (const pid of processesWithArgs(stateDir)) process.kill(pid, 'SIGKILL');
      rmSync(dir, { recursive: true, force: true });
      expect(g, `the pass did not end in ${took} ms`).not.toBeInstanceOf(Error);
      const out = g as { stdout: string; code: number | null };
      const report = JSON.parse(out.stdout) as { outcome: string; errors: string[] };
      if (stuck) {
        expect(report.outcome).toBe('timed-out');
        expect(report.errors.join('\n')).toContain(`stuck at: ${step}`);
        expect(out.code).not.toBe(0);
      } else {
        expect(report.outcome).not.toBe('timed-out');
      }
      expect(took).toBeLessThan(25_000);
    }, 90_000);
  }
});
