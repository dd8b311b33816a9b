// A restart log probe's match inside the service's start-up window (startup.timeout): failures there are not counted
// (no run of failures ever reaches failureThreshold), and the line was lost without a word; it is reported at once.
import { afterEach, describe, expect, it } from 'vitest';
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';

let td: TestDaemon | undefined;
afterEach(async () => {
  await td?.stop();
  td = undefined;
});

const LINE = 'FATAL: cannot open database: permission denied';
const PRINT_AND_LIVE = ['/bin/sh', '-c', `echo '${LINE}'; exec sleep 60`];

describe('a log match in the start-up window', () => {
  it('is reported once, and the window still holds off the restart', async () => {
    td = await startTestDaemon({
      services: [
        {
          name: 'early',
          command: PRINT_AND_LIVE,
          startup: { timeout: '30s' },
          probes: [{ kind: 'log', pattern: 'FATAL', finding: 'fatal-line', interval: '500ms', action: 'restart', failureThreshold: 1, startupGrace: '0s' }],
        },
      ],
    });
    const t = td;
    const failed = () => t.events.filter((e) => e.type === 'probe.failed' && e.service === 'early');
    await waitFor(() => failed().length >= 1, { timeoutMs: 10_000, message: 'the FATAL line reported' });
    const pid = t.daemon.runtimes.get('early')!.status().pid;
    // More ticks: nothing repeats it, nothing is restarted.
    await new Promise((r) => setTimeout(r, 2_000));
    expect(failed()).toHaveLength(1);
    expect(failed()[0]!.message).toContain('permission denied');
    expect(failed()[0]!.details?.['finding']).toBe('fatal-line');
    expect(t.daemon.runtimes.get('early')!.status().pid).toBe(pid);
    expect(t.events.filter((e) => e.type === 'service.exited' || e.type === 'service.restarting')).toHaveLength(0);
  }, 30_000);
});
