// On real processes: the wall clock set back an hour during a backoff does not keep the crashed service down for an hour.
import { afterEach, describe, expect, it } from 'vitest';
import path from 'node:path';
import { HOUR, steppableClock } from '../helpers/clock.js';
import { FIXTURES, NODE, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';


let daemons: TestDaemon[] = [];
afterEach(async () => {
  for (const d of daemons) await d.stop();
  daemons = [];
});

describe('wall clock stepped back during a backoff', () => {
  it('the service is restarted after its backoff, with its restart history kept', { timeout: 60_000 }, async () => {
    const clock = steppableClock();
    const t = await startTestDaemon(
      { services: [{ name: 'svc', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')], restart: { backoff: { initial: '3s', jitter: 0 } } }] },
      { clock },
    );
    daemons.push(t);
    const rt = t.daemon.runtimes.get('svc')!;
    const first = await waitFor(() => rt.status().pid, { timeoutMs: 10_000 });
    process.kill(first, 'SIGKILL'); // restarted at once
    const second = await waitFor(() => (rt.status().pid !== first ? rt.status().pid : null), { timeoutMs: 10_000 });
    process.kill(second, 'SIGKILL'); // a 3 s backoff
    await waitFor(() => rt.status().state === 'backoff', { timeoutMs: 10_000 });
    clock.step(-HOUR);
    const third = await waitFor(() => (rt.status().state === 'running' ? rt.status().pid : null), { timeoutMs: 10_000 });
    expect(third).not.toBe(second);
    expect(rt.persisted().restartHistory).toHaveLength(2);
    expect(rt.status().uptimeMs!).toBeGreaterThanOrEqual(0);
  });
});
