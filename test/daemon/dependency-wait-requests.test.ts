// A person's stop of a service whose start waits for its dependencies (dependsOn) holds: the boot adopts it at once, the stop stops it.
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { FIXTURES, NODE, markServices, startTestDaemon, tempDir, type TestDaemon } from '../helpers/daemon.js';
import { expectGone, isAlive, pidRef, waitFor } from '../helpers/processes.js';

let daemons: TestDaemon[] = [];
afterEach(async () => {
  for (const d of daemons) await d.stop();
  daemons = [];
});

const sleeper = (name: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  name,
  command: [NODE, path.join(FIXTURES, 'sleeper.mjs')],
  stop: { grace: '1s' },
  ...extra,
});

describe('requests while a service waits for its dependencies', () => {
  it('a stop of an adopted dependent, asked for before its dependency is healthy, stops it and it stays stopped', { timeout: 60_000 }, async () => {
    const dir = tempDir();
    // The first daemon runs both and leaves them running for the next one (SIGUSR2, an upgrade).
    const t1 = await startTestDaemon({ services: [sleeper('a'), sleeper('b')] }, { dir });
    daemons.push(t1);
    const pid = await waitFor(() => t1.daemon.runtimes.get('b')!.status().pid, { timeoutMs: 10_000 });
    const b = pidRef(pid);
    await t1.daemon.stop({ stopServices: false });
    daemons = [];
    expect(isAlive(pid)).toBe(true);

    // The next daemon: b depends on a, and a is not healthy until the flag file exists.
    const flag = path.join(dir, 'a-ready');
    const aProbe = { kind: 'command', command: [NODE, '-e', `process.exit(require('fs').existsSync(${JSON.stringify(flag)}) ? 0 : 1)`], interval: '200ms', timeout: '2s', startupGrace: '10m' };
    writeFileSync(path.join(dir, 'clawback.yaml'), YAML.stringify(markServices({ services: [sleeper('a', { probes: [aProbe] }), sleeper('b', { dependsOn: ['a'] })] })));
    const t2 = await startTestDaemon({ services: [] }, { dir });
    daemons.push(t2);
    const rt = t2.daemon.runtimes.get('b')!;

    const asked = Date.now();
    const r = await t2.daemon.action('b', 'stop');
    expect(Date.now() - asked).toBeLessThan(8_000);
    expect(r.ok).toBe(true);
    await expectGone(b, 'b, stopped by a person');

    // a turns healthy: the start b's boot deferred does not undo the person's stop.
    writeFileSync(flag, '');
    expect(existsSync(flag)).toBe(true);
    await waitFor(() => t2.daemon.runtimes.get('a')!.status().health === 'healthy', { timeoutMs: 15_000 });
    await new Promise((res) => setTimeout(res, 1_500));
    expect(rt.status().state).toBe('stopped');
    expect(rt.status().pid).toBeNull();
    expect(rt.persisted().desired).toBe('down');
  });

  it('a dependent nobody touched still starts once its dependency is healthy, not before', { timeout: 60_000 }, async () => {
    const dir = tempDir();
    const flag = path.join(dir, 'a-ready');
    const aProbe = { kind: 'command', command: [NODE, '-e', `process.exit(require('fs').existsSync(${JSON.stringify(flag)}) ? 0 : 1)`], interval: '200ms', timeout: '2s', startupGrace: '10m' };
    const t = await startTestDaemon({ services: [sleeper('a', { probes: [aProbe] }), sleeper('b', { dependsOn: ['a'] })] }, { dir });
    daemons.push(t);
    const rt = t.daemon.runtimes.get('b')!;
    await new Promise((res) => setTimeout(res, 1_000));
    expect(rt.status().pid).toBeNull();
    writeFileSync(flag, '');
    await waitFor(() => rt.status().state === 'running' && rt.status().pid, { timeoutMs: 15_000 });
    expect(t.events.find((e) => e.type === 'service.started' && e.service === 'b')?.details).toMatchObject({ reason: 'boot' });
  });
});
