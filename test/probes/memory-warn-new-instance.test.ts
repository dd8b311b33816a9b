// The memory probe's warning is per instance: the warned mark of an instance that died (or was restarted) is not carried
// over, so a new instance over the warning level from its start is warned about too (it was silent for ever).
import { afterEach, describe, expect, it } from 'vitest';
import { NODE, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';

let td: TestDaemon | undefined;
afterEach(async () => {
  await td?.stop();
  td = undefined;
});

describe('a memory warning and a new instance', () => {
  it('warns about the new instance too when it is over the warning level again', async () => {
    td = await startTestDaemon({
      services: [
        {
          name: 'big',
          // A Node process is over 6 MiB by the time anything can measure it: every instance is over the warning level.
          command: [NODE, '-e', 'setInterval(() => {}, 1000)'],
          restart: { backoff: { initial: '100ms', max: '1s', jitter: 0 } },
          probes: [{ kind: 'memory', warn: '6MiB', interval: '500ms' }],
        },
      ],
    });
    const t = td;
    const rt = t.daemon.runtimes.get('big')!;
    const warnings = () => t.events.filter((e) => e.type === 'memory.warning' && e.service === 'big');
    await waitFor(() => warnings().length >= 1, { timeoutMs: 10_000, message: 'the first instance warned' });
    const first = rt.status().pid!;
    process.kill(first, 'SIGKILL');
    await waitFor(() => rt.status().pid !== null && rt.status().pid !== first, { timeoutMs: 10_000, message: 'a new instance' });
    await waitFor(() => warnings().length >= 2, { timeoutMs: 10_000, message: 'the new instance warned' });
    expect(warnings()).toHaveLength(2);
  }, 40_000);
});
