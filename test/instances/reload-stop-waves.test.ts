// A reload stopped the services it removed or replaced one at a time: three stubborn services (SIGTERM ignored, 2 s
// grace) took three graces, while the reload held every other change of the service set. Now it stops them as the
// shutdown does: wave by wave, dependents first, each wave at once.
import path from 'node:path';
import { writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { FIXTURES, NODE, markServices, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { isAlive } from '../helpers/processes.js';
import { pidsOf, waitHealthy } from './instance-helpers.js';

let td: TestDaemon | undefined;
afterEach(async () => {
  await td?.stop();
  td = undefined;
});

const sleeper = (name: string, dependsOn: string[] = []) => ({ name, command: [NODE, path.join(FIXTURES, 'sleeper.mjs')], dependsOn });
const stubborn = (name: string) => ({ name, command: [NODE, path.join(FIXTURES, 'ignore-sigterm.mjs')], stop: { grace: '2s' } });

describe('reload stops what it removes in waves', () => {
  it('removed services with no order between them stop at once; a dependent before what it depends on', async () => {
    td = await startTestDaemon({ services: [sleeper('keep'), sleeper('base'), sleeper('top', ['base']), stubborn('s1'), stubborn('s2'), stubborn('s3')] });
    const d = td.daemon;
    await waitHealthy(d, ['keep', 'base', 'top', 's1', 's2', 's3']);
    const before = pidsOf(d);

    writeFileSync(td.configFile, YAML.stringify(markServices({ services: [sleeper('keep')] })));
    const t0 = Date.now();
    const r = await d.command('/api/reload', new URLSearchParams({ by: 'test' }));
    const took = Date.now() - t0;
    expect(r?.status).toBe(200);
    expect((r?.body.removed as string[]).sort()).toEqual(['base', 's1', 's2', 's3', 'top']);
    for (const n of ['base', 'top', 's1', 's2', 's3']) expect(isAlive(before[n]!), n).toBe(false);
    // One grace (2 s) for the three stubborn services, not three (6 s).
    expect(took).toBeLessThan(5_000);
    const exited = td.events.filter((e) => e.type === 'service.exited').map((e) => e.service);
    expect(exited.indexOf('top')).toBeGreaterThanOrEqual(0);
    expect(exited.indexOf('top')).toBeLessThan(exited.indexOf('base'));
    expect(pidsOf(d)).toEqual({ keep: before.keep });
  }, 60_000);
});
