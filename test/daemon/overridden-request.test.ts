// Two clients at once: `clawback stop web` while another client's `clawback start web` follows. The service ended
// running (the later order) and the stop's caller was told only "stop web: running (pid N)", exit 1, with no cause.
// Real daemon, a real service slow to stop: the stop's caller is told the later start overrode it.
import { afterEach, describe, expect, it } from 'vitest';
import { NODE, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';

let td: TestDaemon | undefined;
afterEach(async () => {
  await td?.stop();
  td = undefined;
});

const slowStop = "process.on('SIGTERM', () => setTimeout(() => process.exit(0), 1500)); setInterval(() => {}, 3600000);";

describe('a request another client overrides while it is under way', () => {
  it('a stop followed by a start: the stop is answered with the start that overrode it', async () => {
    td = await startTestDaemon({ services: [{ name: 'web', command: [NODE, '-e', slowStop], stop: { grace: '10s' } }] });
    const rt = td.daemon.runtimes.get('web')!;
    await waitFor(() => rt.status().state === 'running', { timeoutMs: 20_000, message: 'web running' });
    const stop = td.daemon.action('web', 'stop');
    await waitFor(() => rt.status().state === 'stopping', { timeoutMs: 10_000, message: 'the stop under way' });
    const start = td.daemon.action('web', 'start');
    const [a, b] = await Promise.all([stop, start]);
    expect(rt.status().state).toBe('running');
    expect(b.ok).toBe(true);
    expect(a.ok).toBe(false);
    expect(a.status).toBe(409);
    expect(a.message).toMatch(/^stop web: running \(pid \d+\): a later `start` request overrode it$/);
    // A stop nobody overrides is answered as before.
    const alone = await td.daemon.action('web', 'stop');
    expect(alone).toMatchObject({ ok: true, message: 'stop web: stopped' });
  }, 60_000);
});
