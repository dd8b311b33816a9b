// `clawback maintenance NAME on --for 999999999d`: refused with what is expected, and nothing turned on behind an error.
import { afterEach, describe, expect, it } from 'vitest';
import path from 'node:path';
import { FIXTURES, NODE, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { runCli } from '../helpers/cli.js';

let td: TestDaemon | undefined;
afterEach(async () => {
  await td?.stop();
  td = undefined;
});

describe('maintenance --for past what a date can hold', () => {
  it('is refused with the field, the value and the bound, and the service stays out of maintenance', { timeout: 60_000 }, async () => {
    td = await startTestDaemon({ services: [{ name: 'svc', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] }] });
    const rt = td.daemon.runtimes.get('svc')!;
    const huge = await runCli(['maintenance', 'svc', 'on', '--for', '999999999d', '--state-dir', td.stateDir], { timeoutMs: 30_000 });
    expect(huge.code).toBe(1);
    expect(huge.stderr).toMatch(/for: expected a duration of at most 3650d .*"999999999d"/);
    expect(rt.status().maintenance).toBeNull();
    expect(td.events.filter((e) => e.type === 'maintenance.started')).toHaveLength(0);
    // A long one within the bound still works, and says when it ends.
    const year = await runCli(['maintenance', 'svc', 'on', '--for', '365d', '--state-dir', td.stateDir], { timeoutMs: 30_000 });
    expect(year.code).toBe(0);
    expect(year.stdout).toMatch(/svc: maintenance on until \d{4}-/);
    expect(rt.status().maintenance).not.toBeNull();
  });
});
