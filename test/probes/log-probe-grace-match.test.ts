// A log line matched in the probe's start-up grace is reported (a line is an event: the next tick forgets it), and an
// instance's own first output is read from where the log stood at its spawn, even when it writes before anything looks.
import { afterEach, describe, expect, it } from 'vitest';
import { appendFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { startTestDaemon, tempDir, type TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';
import { spawnInstance } from '../../src/supervisor/service-process.js';
import { systemClock } from '../../src/platform/clock.js';

let td: TestDaemon | undefined;
afterEach(async () => {
  await td?.stop();
  td = undefined;
});

const LINE = 'Error: listen EADDRINUSE: address already in use 127.0.0.1:18789';
/** Prints the fatal-looking line at once, then lives on: the probe's first tick (0-1 s in) finds it, in its grace. */
const PRINT_AND_LIVE = ['/bin/sh', '-c', `echo '${LINE}'; exec sleep 60`];

describe('a log match in the start-up grace', () => {
  it('a notify log probe reports the line its first tick found in the grace, once, and nothing is restarted', async () => {
    td = await startTestDaemon({
      services: [{ name: 'early', command: PRINT_AND_LIVE, probes: [{ kind: 'log', pattern: 'EADDRINUSE', finding: 'port-in-use', interval: '1s' }] }],
    });
    const t = td;
    const failed = () => t.events.filter((e) => e.type === 'probe.failed' && e.service === 'early');
    await waitFor(() => failed().length >= 1, { timeoutMs: 10_000 });
    const pid = t.daemon.runtimes.get('early')!.status().pid;
    // Three more ticks: nothing repeats it.
    await new Promise((r) => setTimeout(r, 3_200));
    expect(failed()).toHaveLength(1);
    expect(failed()[0]!.message).toContain('address already in use');
    expect(failed()[0]!.details?.['finding']).toBe('port-in-use');
    expect(t.journal().filter((e) => e.type === 'probe.failed')).toHaveLength(1);
    expect(t.daemon.runtimes.get('early')!.status().pid).toBe(pid);
    expect(t.events.filter((e) => e.type === 'service.exited')).toHaveLength(0);
  }, 30_000);

  it('a restart log probe: the match in the grace is reported, the grace still holds off the restart', async () => {
    td = await startTestDaemon({
      services: [{ name: 'early', command: PRINT_AND_LIVE, probes: [{ kind: 'log', pattern: 'EADDRINUSE', interval: '1s', action: 'restart', startupGrace: '20s' }] }],
    });
    const t = td;
    await waitFor(() => t.events.some((e) => e.type === 'probe.failed' && e.service === 'early'), { timeoutMs: 10_000 });
    const pid = t.daemon.runtimes.get('early')!.status().pid;
    await new Promise((r) => setTimeout(r, 2_500));
    expect(t.daemon.runtimes.get('early')!.status().pid).toBe(pid);
    expect(t.events.filter((e) => e.type === 'service.exited' || e.type === 'service.restarting')).toHaveLength(0);
  }, 30_000);
});

describe('spawnInstance', () => {
  it('records where the log stood just before the spawn (the instance output begins there)', async () => {
    const dir = tempDir();
    mkdirSync(dir, { recursive: true });
    const logFile = path.join(dir, 'svc.log');
    appendFileSync(logFile, 'an older instance wrote this\n');
    const inst = spawnInstance({ argv: ['/bin/sh', '-c', 'echo first'], shell: false, cwd: dir, env: { PATH: process.env['PATH'] ?? '' }, logFile }, systemClock());
    expect(inst.logStartOffset).toBe('an older instance wrote this\n'.length);
    await inst.exited;
  });
});
