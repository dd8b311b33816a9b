// A drill started while `clawback update` ran for the service was not refused: nothing in the service's status says an
// update runs (no work, no hold), so the drill SIGKILLed the instance the update was watching, and the update judged the
// new version by the drill's crash. The drill asks the daemon for the service's update run and refuses (exit 2).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { waitFor } from '../helpers/processes.js';
import { startUpdateHarness, type UpdateHarness } from '../update/update-harness.js';

let h: UpdateHarness;
beforeAll(async () => {
  h = await startUpdateHarness({ packages: [['1.0.0', 'good'], ['1.0.1', 'good']], service: { drillable: true }, update: { watch: '30s', settle: '15s' } });
}, 120_000);
afterAll(async () => {
  await h?.stop();
});

describe('a drill while an update runs', () => {
  it('is refused, naming the update, and leaves the update to finish on its own', async () => {
    const started = await h.update('1.0.1');
    expect(started.status, JSON.stringify(started.body)).toBe(202);
    // Into the watch: the new version serves and the update judges it by its exits.
    await waitFor(async () => (await h.version()) === '1.0.1', { timeoutMs: 60_000 });
    const r = await runCli(['drill', 'crash', '--yes', '--timeout', '20', '--report', `${h.dir}/drill.md`, '--state-dir', h.td.stateDir], { timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/refusing to drill: "gw" is being updated to 1\.0\.1 \(`clawback update` run /);
    const view = await h.finished(started.body.runId);
    expect(view.report?.outcome, JSON.stringify(view.report)).toBe('succeeded');
  }, 150_000);
});
