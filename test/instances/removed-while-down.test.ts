// An instance scaled away (or a service deleted from the file) while no daemon ran keeps running from the last daemon:
// the next daemon says so at boot instead of leaving it unsupervised and unseen.
import { writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { markServices, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { isAlive, killTree, pidRef, waitFor, type PidRef } from '../helpers/processes.js';
import { freePortRun, pidsOf, waitHealthy, webService, whoIsOn } from './instance-helpers.js';

let td: TestDaemon | undefined;
let leftover: number | undefined;
let leftoverRef: PidRef | undefined;
afterEach(async () => {
  await td?.stop();
  td = undefined;
  if (leftoverRef) killTree(leftoverRef);
  leftover = undefined;
  leftoverRef = undefined;
});

describe('a service removed from the config while no daemon ran', () => {
  it('its still-running instance is reported at the next boot, and left running', async () => {
    const base = await freePortRun(2);
    td = await startTestDaemon({ services: [webService(base, 2)] });
    await waitHealthy(td.daemon, ['web:0', 'web:1']);
    const before = pidsOf(td.daemon);
    leftover = before['web:1']!;
    leftoverRef = pidRef(leftover);
    const { dir, configFile } = td;
    // Exits leaving the services running for the next daemon (as SIGUSR2 does).
    await td.daemon.stop({ stopServices: false });
    td = undefined;
    writeFileSync(configFile, YAML.stringify(markServices({ services: [webService(base, 1)] })));
    td = await startTestDaemon({ services: [] }, { dir });
    expect([...td.daemon.runtimes.keys()]).toEqual(['web:0']);
    expect(pidsOf(td.daemon)['web:0']).toBe(before['web:0']);
    const said = await waitFor(() => td!.journal().find((e) => e.type === 'doctor.finding' && e.details?.rule === 'removed-service-running'), { timeoutMs: 10_000 });
    expect(said).toMatchObject({ severity: 'warning', service: 'web:1', details: { pid: leftover, fixable: false } });
    expect(said.message).toContain(`web:1 is no longer in the config, but its instance (pid ${leftover}`);
    // Reported, never stopped on the daemon's own.
    expect(isAlive(leftover)).toBe(true);
    expect(await whoIsOn(base + 1)).toMatchObject({ instance: '1', pid: leftover });
  }, 60_000);
});
