// Issue 25 on a scaled service: `maintenance NAME` covers every instance, and the autoscaler does not scale while it lasts.
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { NODE, startTestDaemon, tempDir, type TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';
import { runCli } from '../helpers/cli.js';
import { INSTANCE_SERVER, freePortRun, waitHealthy } from '../instances/instance-helpers.js';

let td: TestDaemon | undefined;
afterEach(async () => {
  await td?.stop();
  td = undefined;
});

describe('maintenance on a scaled service', () => {
  it('the group name puts every instance in maintenance; no autoscaling until it ends, then the autoscaler acts', async () => {
    const dir = tempDir();
    const base = await freePortRun(3);
    const busy = path.join(dir, 'busy');
    // The load the autoscaler reads: 100 while the flag file exists (50 per instance, above the target of 10), else 20
    // (on target with two instances; min 2 keeps it from scaling down meanwhile).
    const metric = [NODE, '-e', `console.log(require('fs').existsSync(${JSON.stringify(busy)}) ? 100 : 20)`];
    td = await startTestDaemon(
      {
        services: [
          {
            name: 'web',
            command: [NODE, INSTANCE_SERVER, '{port}', path.join(dir, 'no-burn')],
            port: base,
            instances: 2,
            stop: { grace: '2s' },
            autoscale: { min: 2, max: 3, metric: 'command', command: metric, target: 10, window: '1s', interval: '250ms', cooldown: '1s' },
          },
        ],
      },
      { dir },
    );
    const t = td;
    const d = t.daemon;
    await waitHealthy(d, ['web:0', 'web:1']);
    const on = await runCli(['maintenance', 'web', 'on', '--for', '1h', '--state-dir', t.stateDir]);
    expect(on.code).toBe(0);
    expect(on.stdout).toContain('web:0: maintenance on');
    expect(on.stdout).toContain('web:1: maintenance on');
    expect(d.runtimes.get('web:0')!.status().maintenance).not.toBeNull();
    expect(d.runtimes.get('web:1')!.status().maintenance).not.toBeNull();

    writeFileSync(busy, '1');
    try {
      await new Promise((r) => setTimeout(r, 4000));
      expect(t.events.some((e) => e.type === 'service.scaled')).toBe(false);
      expect([...d.runtimes.keys()]).toEqual(['web:0', 'web:1']);

      // Off for one instance only: still a person at work on the service, still no scaling.
      expect((await runCli(['maintenance', 'web:0', 'off', '--state-dir', t.stateDir])).code).toBe(0);
      await new Promise((r) => setTimeout(r, 2500));
      expect(t.events.some((e) => e.type === 'service.scaled')).toBe(false);

      expect((await runCli(['maintenance', 'web', 'off', '--state-dir', t.stateDir])).code).toBe(0);
      const up = await waitFor(() => t.events.find((e) => e.type === 'service.scaled'), { timeoutMs: 30_000, message: 'the autoscaler to act after maintenance' });
      expect(up.details).toMatchObject({ from: 2, by: 'autoscale' });
    } finally {
      if (existsSync(busy)) rmSync(busy);
    }
  }, 90_000);
});
