// A reload that changed a field of `autoscale:` (its tolerance, its command's timeout) started the policy over: the
// cool-down of the scale just made was forgotten and the service was scaled again at once, 1.5 s after a reload that
// said "no service changed", with 9 of its 10 cool-down minutes left. Now the cool-down and the count are kept.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { afterEach, describe, expect, it } from 'vitest';
import { FIXTURES, NODE, markServices, startTestDaemon, tempDir, type TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';

let td: TestDaemon | undefined;
afterEach(async () => {
  await td?.stop();
  td = undefined;
});

describe('a reload that changes autoscale: of a service it keeps', () => {
  it('keeps the cool-down of the last scale: no second scale right after the reload', async () => {
    const dir = tempDir();
    const load = path.join(dir, 'load.txt');
    const runs = path.join(dir, 'runs.txt');
    writeFileSync(`${load}.tmp`, '100\n');
    renameSync(`${load}.tmp`, load);
    writeFileSync(runs, '');
    // Each sample appends a line to runs.txt, so the test can wait for samples taken after the reload.
    const command = [NODE, '-e', 'require("fs").appendFileSync(process.argv[2], "x\\n"); process.stdout.write(require("fs").readFileSync(process.argv[1], "utf8"))', load, runs];
    const service = (tolerance: number): Record<string, unknown> => ({
      name: 'web',
      command: [NODE, path.join(FIXTURES, 'sleeper.mjs')],
      autoscale: { min: 1, max: 4, metric: 'command', command, target: 10, tolerance, window: '1s', interval: '200ms', cooldown: '10m', maxStep: 1 },
    });
    td = await startTestDaemon({ services: [service(0.1)] }, { dir });
    const d = td.daemon;
    const scaled = (): Array<{ details?: Record<string, unknown> }> => td!.events.filter((e) => e.type === 'service.scaled' && e.details?.by === 'autoscale');
    // 100 per instance against a target of 10: the first decision (no cool-down yet) goes 1 -> 2.
    await waitFor(() => scaled().length === 1 && d.runtimes.get('web:1')?.status().state === 'running', { timeoutMs: 30_000, message: 'the first scale, 1 -> 2' });
    expect(scaled()[0]!.details).toMatchObject({ from: 1, to: 2 });

    writeFileSync(td.configFile, YAML.stringify(markServices({ services: [service(0.2)] })));
    const r = await d.command('/api/reload', new URLSearchParams({ by: 'test' }));
    expect(r?.status).toBe(200);
    // Still 50 per instance, far above the band; the policy needs half a window (0.5 s) of samples to go up: wait for
    // ten samples after the reload (2 s) and more than a whole window.
    const after = readFileSync(runs, 'utf8').length;
    const reloadedAt = Date.now();
    await waitFor(() => readFileSync(runs, 'utf8').length - after >= 20 && Date.now() - reloadedAt > 1500, { timeoutMs: 30_000, message: 'ten samples after the reload' });
    expect(scaled()).toHaveLength(1);
    expect(d.runtimes.has('web:2')).toBe(false);
  }, 90_000);
});
