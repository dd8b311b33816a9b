// A reload that adds a `groups:` entry to a daemon started without one: the group strategy was never applied (the
// groups plugin only listened when the first config had groups), though the reload said it was read and a daemon
// restart with the same file applied it. Real daemon, real file, real reload, a real crash of a group member.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { FIXTURES, NODE, markServices, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { isAlive, waitFor } from '../helpers/processes.js';
import { pidsOf, waitHealthy } from '../instances/instance-helpers.js';

let td: TestDaemon | undefined;
afterEach(async () => {
  await td?.stop();
  td = undefined;
});

const sleeper = (name: string) => ({ name, command: [NODE, path.join(FIXTURES, 'sleeper.mjs')], probes: [{ kind: 'process', name: 'alive', interval: '200ms' }] });

describe('a reload that adds a group', () => {
  it('applies its strategy: a crash of one member restarts the others', async () => {
    const config = { services: [sleeper('alpha'), sleeper('beta')] };
    td = await startTestDaemon(config);
    const d = td.daemon;
    await waitHealthy(d, ['alpha', 'beta']);

    writeFileSync(td.configFile, YAML.stringify(markServices({ ...config, groups: [{ name: 'pair', strategy: 'one_for_all', services: ['alpha', 'beta'] }] })));
    const r = await d.command('/api/reload', new URLSearchParams({ by: 'test' }));
    expect(r?.status).toBe(200);
    const before = pidsOf(d);
    expect((r?.body.untouched as string[]).sort()).toEqual(['alpha', 'beta']);

    process.kill(before.alpha!, 'SIGKILL');
    await waitFor(() => td!.events.some((e) => e.type === 'incident.action' && e.details?.action === 'group-restart'), { timeoutMs: 10_000, message: () => 'a group restart after alpha crashed' });
    await waitFor(() => { const p = pidsOf(d); return p.beta !== null && p.beta !== before.beta && p.alpha !== null; }, { timeoutMs: 15_000, message: () => `beta restarted with alpha (pids ${JSON.stringify(pidsOf(d))})` });
    expect(isAlive(before.beta!)).toBe(false);
  }, 60_000);
});
