// An instance this Clawback started and left running (a daemon killed mid scale-down, an instance dropped from the
// file while no daemon ran) is adopted when a scale or a reload brings its unit back: the scale was refused ("port in
// use, stop that program": its own instance), and a reload started a second copy that was held at Level 4.
import { writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { markServices, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { isAlive, killTree, pidRef, waitFor, type PidRef } from '../helpers/processes.js';
import { freePortRun, pidsOf, waitHealthy, webService, whoIsOn } from './instance-helpers.js';

let td: TestDaemon | undefined;
let leftoverRef: PidRef | undefined;
afterEach(async () => {
  await td?.stop();
  td = undefined;
  if (leftoverRef) killTree(leftoverRef);
  leftoverRef = undefined;
});

/** web:1 left running by a daemon that exited (as SIGUSR2) and a next daemon whose file says instances: 1. */
async function leftRunning(): Promise<{ base: number; leftover: number }> {
  const base = await freePortRun(2);
  td = await startTestDaemon({ services: [webService(base, 2)] });
  await waitHealthy(td.daemon, ['web:0', 'web:1']);
  const leftover = pidsOf(td.daemon)['web:1']!;
  leftoverRef = pidRef(leftover);
  const { dir, configFile } = td;
  await td.daemon.stop({ stopServices: false });
  td = undefined;
  writeFileSync(configFile, YAML.stringify(markServices({ services: [webService(base, 1)] })));
  td = await startTestDaemon({ services: [] }, { dir });
  expect([...td.daemon.runtimes.keys()]).toEqual(['web:0']);
  expect(isAlive(leftover)).toBe(true);
  return { base, leftover };
}

async function expectAdopted(base: number, leftover: number): Promise<void> {
  const d = td!.daemon;
  await waitHealthy(d, ['web:0', 'web:1']);
  expect(pidsOf(d)['web:1']).toBe(leftover);
  expect(await whoIsOn(base + 1)).toMatchObject({ instance: '1', pid: leftover });
  expect(td!.events.filter((e) => e.type === 'incident.opened' || e.type === 'breaker.tripped')).toEqual([]);
}

describe('a unit brought back while its instance still runs', () => {
  it('clawback scale adopts it (same pid) instead of refusing its port as a stranger', async () => {
    const { base, leftover } = await leftRunning();
    const r = await td!.daemon.command('/api/services/web/scale', new URLSearchParams({ instances: '2', by: 'test' }));
    expect(r?.body.message).toContain('scaled from 1 to 2');
    expect(r?.status).toBe(200);
    await expectAdopted(base, leftover);
  }, 60_000);

  it('a reload that brings it back adopts it instead of starting a second copy on its port', async () => {
    const { base, leftover } = await leftRunning();
    writeFileSync(td!.configFile, YAML.stringify(markServices({ services: [webService(base, 2)] })));
    const r = await td!.daemon.command('/api/reload', new URLSearchParams({ by: 'test' }));
    expect(r?.status).toBe(200);
    await expectAdopted(base, leftover);
    await waitFor(() => td!.daemon.runtimes.get('web:1')?.status().state === 'running', { timeoutMs: 5_000 });
  }, 60_000);
});
