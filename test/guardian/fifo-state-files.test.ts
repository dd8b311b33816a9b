// A guardian pass must end on a stuck state directory. A FIFO in place of daemon.stopped, daemon.json or guardian.lock
// (simulating a filesystem that never answers a read) blocked the pass for ever: no output, no report, no exit, and
// cron started one more such pass every minute. Each of them is now read without blocking, as the daemon's files are.
import { afterEach, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import YAML from 'yaml';
import { FIXTURES, NODE, markServices, tempDir } from '../helpers/daemon.js';
import { runCli } from '../helpers/cli.js';
import { freePort } from '../helpers/ports.js';

let holder: net.Server | undefined;
afterEach(async () => {
  await new Promise<void>((resolve) => (holder ? holder.close(() => resolve()) : resolve()));
  holder = undefined;
});

describe('guardian pass on a state directory with a FIFO in place of a file', () => {
  for (const file of ['daemon.stopped', 'daemon.json', 'guardian.lock']) {
    it(`${file}: the pass ends with a report instead of hanging`, async () => {
      const dir = tempDir('clawback-fifo-');
      const stateDir = path.join(dir, 'state');
      const configPath = path.join(dir, 'clawback.yaml');
      mkdirSync(stateDir, { recursive: true });
      writeFileSync(path.join(stateDir, 'state.json'), '{}');
      // Nothing the pass starts outlives it: the daemon cannot start (its API port held), the service ends at once.
      const port = await freePort();
      holder = net.createServer();
      await new Promise<void>((resolve) => holder!.listen(port, '127.0.0.1', resolve));
      const service = { name: 'job', command: [NODE, path.join(FIXTURES, 'exit-with.mjs'), '0', '0'], restart: { policy: 'never' } };
      writeFileSync(configPath, YAML.stringify(markServices({ api: { port }, services: [service] })));
      execFileSync('mkfifo', [path.join(stateDir, file)]);
      const t0 = Date.now();
      const g = await runCli(['guardian', '--once', '--config', configPath, '--state-dir', stateDir], { timeoutMs: 45_000 });
      const took = Date.now() - t0;
      rmSync(path.join(stateDir, file), { force: true });
      expect(g.stdout.length, `no output in ${took} ms; stderr: ${g.stderr}`).toBeGreaterThan(0);
      expect(took).toBeLessThan(40_000);
    }, 60_000);
  }
});
