// A reload that was refused (SIGHUP from `systemctl reload`, a deploy's `clawback reload` whose output nobody read)
// left no trace in `clawback status`: the daemon ran the previous config and said nothing of it there. Real daemon,
// real file, real reload: the status (and /metrics) now say the last reload failed, with the field, until a good reload
// clears it.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { FIXTURES, NODE, markServices, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { pidsOf, waitHealthy } from '../instances/instance-helpers.js';
import { renderStatus } from '../../src/cli/cmd-status.js';
import { httpGet } from '../helpers/processes.js';

let td: TestDaemon | undefined;
afterEach(async () => {
  await td?.stop();
  td = undefined;
});

const sleeper = (name: string) => ({ name, command: [NODE, path.join(FIXTURES, 'sleeper.mjs')], probes: [{ kind: 'process', name: 'alive', interval: '200ms' }] });
type Status = Parameters<typeof renderStatus>[0] & { daemon: { reloadFailed: { at: number; by: string; message: string } | null } };

describe('a refused config reload in the status', () => {
  it('is shown (field, value kept secret) until the next good reload clears it', async () => {
    const config = { services: [sleeper('alpha'), sleeper('beta')] };
    td = await startTestDaemon(config);
    const d = td.daemon;
    await waitHealthy(d, ['alpha', 'beta']);
    const pids = pidsOf(d);
    expect((d.status() as unknown as Status).daemon.reloadFailed).toBeNull();

    const secret = 'sk-proj-Zq8wVt3LmN5pR7sX9yB2cD4fG6hJ1kL0';
    const bad = markServices(config);
    (bad.services[0] as Record<string, unknown>).env = { CLAWBACK_TEST_CHILD: '1', OPENAI_API_KEY: 42 };
    (bad.services[1] as Record<string, unknown>).port = secret;
    writeFileSync(td.configFile, YAML.stringify(bad));
    const r = await d.command('/api/reload', new URLSearchParams({ by: 'SIGHUP' }));
    expect(r?.status).toBe(400);

    const failed = d.status() as unknown as Status;
    expect(failed.daemon.reloadFailed).toMatchObject({ by: 'SIGHUP' });
    expect(failed.daemon.reloadFailed!.message).toContain('services[0].env.OPENAI_API_KEY');
    const shown = renderStatus(failed, false);
    expect(shown).toMatch(/CONFIG RELOAD FAILED/);
    expect(shown).toContain('services[0].env.OPENAI_API_KEY');
    expect(shown).toContain('nothing changed');
    expect(JSON.stringify(failed)).not.toContain(secret);
    expect(shown).not.toContain(secret);
    expect(pidsOf(d)).toEqual(pids); // nothing touched
    const metrics = `http://${d.api!.host}:${d.api!.port}/metrics`;
    expect((await httpGet(metrics, 5000)).body).toContain('\nclawback_config_last_reload_successful 0\n');

    writeFileSync(td.configFile, YAML.stringify(markServices(config)));
    const good = await d.command('/api/reload', new URLSearchParams({ by: 'test' }));
    expect(good?.status).toBe(200);
    const cleared = d.status() as unknown as Status;
    expect(cleared.daemon.reloadFailed).toBeNull();
    expect(renderStatus(cleared, false)).not.toMatch(/RELOAD FAILED/);
    expect((await httpGet(metrics, 5000)).body).toContain('\nclawback_config_last_reload_successful 1\n');
    expect(pidsOf(d)).toEqual(pids);
  }, 60_000);
});
