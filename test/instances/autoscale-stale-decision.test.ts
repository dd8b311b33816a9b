// An autoscaler decision queued behind a person's `clawback scale` (which held the service for its stop grace) ran
// right after it, undoing it: `scale web 1` returned and a second later web went 1 -> 4 "average 16.0 per instance",
// an average taken at 2. Now such a decision is dropped; the person's count stands for the cool-down.
import { renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FIXTURES, NODE, startTestDaemon, tempDir, type TestDaemon } from '../helpers/daemon.js';
import { httpGet, waitFor } from '../helpers/processes.js';
import { scaleService } from '../../src/instances/scale.js';

let td: TestDaemon | undefined;
afterEach(async () => {
  await td?.stop();
  td = undefined;
});

describe('autoscale decision made while a person scaled', () => {
  it('is dropped: the person\'s count stands, and the autoscaler acts only after the cool-down, from that count', async () => {
    const dir = tempDir();
    const out = path.join(dir, 'metric.txt');
    const say = (text: string): void => {
      writeFileSync(`${out}.tmp`, text);
      renameSync(`${out}.tmp`, out);
    };
    say('20\n'); // 10 per instance at 2: on target
    const cooldownMs = 4000;
    td = await startTestDaemon(
      {
        services: [
          {
            name: 'web',
            // Ignores SIGTERM: a scale down holds the service for the whole stop grace.
            command: [NODE, path.join(FIXTURES, 'ignore-sigterm.mjs')],
            instances: 2,
            stop: { grace: '4s' },
            autoscale: { min: 1, max: 4, metric: 'command', command: [NODE, '-e', 'process.stdout.write(require("fs").readFileSync(process.argv[1], "utf8"))', out], target: 10, window: '1s', interval: '200ms', cooldown: `${cooldownMs}ms` },
          },
        ],
      },
      { dir },
    );
    const d = td.daemon;
    const value = async (): Promise<number | null | undefined> => {
      const st = JSON.parse((await httpGet(`http://127.0.0.1:${d.api!.port}/api/status`)).body) as { scaled: Array<{ service: string; autoscale: { value: number | null } | null }> };
      return st.scaled.find((g) => g.service === 'web')?.autoscale?.value;
    };
    await waitFor(async () => d.runtimes.get('web:1')?.status().state === 'running' && (await value()) === 10, { timeoutMs: 20_000, message: 'two instances on target' });

    // The person scales down (4 s of stop grace); meanwhile the load rises and the autoscaler decides at 2 instances.
    const person = scaleService(d, 'web', 1, 'cli:test');
    say('80\n');
    const res = await person;
    expect(res.body).toMatchObject({ ok: true, to: 1 });
    const personAt = Date.now();
    const byAutoscale = (): Array<{ time: number; details?: Record<string, unknown> }> => td!.events.filter((e) => e.type === 'service.scaled' && e.details?.by === 'autoscale');
    // The next autoscale decision comes from the person's count, a cool-down after it (before: ~1 s after, from 2's samples).
    await waitFor(() => byAutoscale().length > 0, { timeoutMs: 30_000, message: 'the autoscaler scaling up from the person\'s count' });
    const next = byAutoscale()[0]!;
    expect(next.details).toMatchObject({ from: 1, by: 'autoscale' });
    expect(String(next.details?.reason)).toContain('average 80.0 per instance');
    expect(next.time - personAt).toBeGreaterThanOrEqual(cooldownMs - 500);
    expect(td.events.some((e) => e.type === 'service.scale-refused')).toBe(false);
  }, 90_000);
});
