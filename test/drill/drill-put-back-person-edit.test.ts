// A person fixes or re-tokens the config while a config-corrupt drill runs (after the doctor's restore): the drill's
// put-back of the original bytes used to overwrite their edit. It now puts back only over the drill's or the doctor's bytes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { runCli } from '../helpers/cli.js';
import { waitFor } from '../helpers/processes.js';
import { startDrillDaemon, GATEWAY_JSON, type DrillDaemon } from './drill-daemon.js';

describe('config-corrupt drill put-back with a person editing the config meanwhile', () => {
  let d: DrillDaemon;
  beforeAll(async () => {
    // Every start lasts 3 s: the window between the doctor's restore and the drill's put-back a person can edit in.
    d = await startDrillDaemon('gateway', { env: { DEMO_STARTUP_DELAY_MS: '3000' } });
  }, 60_000);
  afterAll(async () => {
    await d?.stop();
  });

  it("leaves the person's edit in place and says so, instead of putting the drill's copy over it", async () => {
    const original = readFileSync(d.gatewayConfig);
    expect(original.toString()).toBe(GATEWAY_JSON);
    const drill = runCli(['drill', 'config-corrupt', '--trials', '1', '--json', '--yes', '--timeout', '40', '--state-dir', d.stateDir], { timeoutMs: 90_000 });
    let sawGarbage = false;
    // The drill truncates the file; the doctor then puts it back (same bytes): the person edits right after that.
    await waitFor(() => {
      const now = readFileSync(d.gatewayConfig, 'utf8');
      if (now !== GATEWAY_JSON) sawGarbage = true;
      return sawGarbage && now === GATEWAY_JSON;
    }, { timeoutMs: 60_000, intervalMs: 10 });
    const person = `${JSON.stringify({ name: 'renamed-by-a-person', host: '127.0.0.1', port: 0 }, null, 2)}\n`;
    writeFileSync(d.gatewayConfig, person);
    const r = await drill;
    expect(readFileSync(d.gatewayConfig, 'utf8'), "the person's edit is kept").toBe(person);
    const report = JSON.parse(r.stdout) as { trials: Array<{ notes: string[] }> };
    expect(report.trials[0]!.notes.join('\n')).toMatch(/changed during the drill .*left as it is; your bytes from before the drill are kept in /);
  }, 120_000);
});
