// An autoscaling metric whose command fails, prints no number or prints an error sentinel (-1): the count holds and
// the autoscaler says why, once per cause (journal, status); before, status showed "n/a" and -1 scaled the service down.
import { renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestDaemon, tempDir, type TestDaemon } from '../helpers/daemon.js';
import { httpGet, waitFor } from '../helpers/processes.js';
import { freePortRun, pidsOf, waitHealthy, webService } from './instance-helpers.js';

let td: TestDaemon | undefined;
afterEach(async () => {
  await td?.stop();
  td = undefined;
});

describe('autoscale metric source down or garbage', () => {
  it('holds the count and journals the cause once each; a good number again clears it', async () => {
    const base = await freePortRun(3);
    const dir = tempDir();
    // The metric command prints what the file says, and exits with the code the file's first line gives.
    const out = path.join(dir, 'metric.txt');
    const script = 'const [code, ...rest] = require("fs").readFileSync(process.argv[1], "utf8").split("\\n"); console.log(rest.join("\\n")); process.exit(Number(code));';
    // Whole (rename): a torn read would be a cause of its own.
    const say = (text: string): void => {
      writeFileSync(`${out}.tmp`, text);
      renameSync(`${out}.tmp`, out);
    };
    say('1\nconnection refused');
    const svc = webService(base, 2, {
      autoscale: { min: 1, max: 3, metric: 'command', command: [process.execPath, '-e', script, out], target: 10, window: '1s', interval: '200ms', cooldown: '1s' },
    });
    td = await startTestDaemon({ services: [svc] }, { dir });
    const d = td.daemon;
    await waitHealthy(d, ['web:0', 'web:1']);
    const before = pidsOf(d);
    const held = (): Array<{ problem: string }> => td!.events.filter((e) => e.type === 'service.autoscale-held').map((e) => e.details as { problem: string });
    // What `clawback status --json` shows of the autoscaler.
    let seen: { value: number | null; held: string | null } | undefined;
    const view = async (): Promise<typeof seen> => {
      const st = JSON.parse((await httpGet(`http://127.0.0.1:${d.api!.port}/api/status`)).body) as { scaled: Array<{ service: string; autoscale: typeof seen }> };
      return (seen = st.scaled.find((g) => g.service === 'web')?.autoscale);
    };

    await waitFor(() => held().length === 1, { timeoutMs: 20_000, message: 'the failing command said' });
    expect(held()[0]!.problem).toBe('the metric command exited with code 1');
    const first = td.events.find((e) => e.type === 'service.autoscale-held')!;
    expect(first).toMatchObject({ severity: 'warning', service: 'web' });
    expect(first.message).toContain('connection refused');
    expect(await view()).toMatchObject({ value: null, held: 'the metric command exited with code 1' });

    say('0\nno data yet');
    await waitFor(() => held().length === 2, { timeoutMs: 20_000, message: 'the garbage said' });
    expect(held()[1]!.problem).toBe('the metric command printed no number');

    // -1 is an error sentinel, not an idle service: taken as 0 it scaled web down to 1.
    say('0\n-1');
    await waitFor(() => held().length === 3, { timeoutMs: 20_000, message: 'the sentinel said' });
    expect(held()[2]!.problem).toContain('printed -1');
    // Several windows and cool-downs later: same instances, same pids, each cause journaled once.
    await new Promise((r) => setTimeout(r, 3000));
    expect(pidsOf(d)).toEqual(before);
    expect(held()).toHaveLength(3);
    expect(td.journal().filter((e) => e.type === 'service.autoscale-held')).toHaveLength(3);
    expect(td.events.some((e) => e.type === 'service.scaled')).toBe(false);

    // A real number again: the view clears and the policy acts on it (20 over 2 instances is on target: no change).
    say('0\n20');
    await waitFor(async () => (await view())?.value === 10, { timeoutMs: 20_000, message: () => `the value back (now ${JSON.stringify(seen)})` });
    expect(seen?.held).toBeNull();
  }, 90_000);
});
