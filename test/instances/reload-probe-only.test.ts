// A reload that changed only a service's probes (or restart policy...) stopped and restarted it: a healthy service went
// down for a probe tweak, lost its restart history and incident, and a scaled one got a rolling restart. Now the new
// settings apply to the running instance (same pid, counters kept), as Kubernetes applies a probe change; a change of
// the process itself (env) still replaces it.
import path from 'node:path';
import { readFileSync, writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { FIXTURES, NODE, markServices, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';
import { freePortRun, pidsOf, waitHealthy, webService } from './instance-helpers.js';

let td: TestDaemon | undefined;
afterEach(async () => {
  await td?.stop();
  td = undefined;
});

const probe = (name: string) => ({ kind: 'process', name, interval: '200ms' });
const worker = (probeName: string, env: Record<string, string> = {}) => ({ name: 'worker', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')], env, probes: [probe(probeName)] });

describe('reload of a service whose process did not change', () => {
  it('keeps the instance running with its counters and applies the new probes; an env change still replaces it', async () => {
    const base = await freePortRun(2);
    td = await startTestDaemon({ services: [worker('alive'), webService(base, 2)] });
    const d = td.daemon;
    await waitHealthy(d, ['worker', 'web:0', 'web:1']);
    // One crash: the restart history a probe tweak must not wipe.
    process.kill(pidsOf(d).worker!, 'SIGKILL');
    await waitFor(() => d.runtimes.get('worker')!.status().restarts === 1, { timeoutMs: 15_000, message: () => 'worker restarted once' });
    await waitHealthy(d, ['worker']);
    const before = pidsOf(d);

    const next = markServices({ services: [worker('still-alive'), webService(base, 2, { probes: [{ kind: 'http', url: 'http://127.0.0.1:{port}/', interval: '300ms', timeout: '1s' }] })] });
    writeFileSync(td.configFile, YAML.stringify(next));
    const r = await d.command('/api/reload', new URLSearchParams({ by: 'test' }));
    expect(r?.status).toBe(200);
    expect((r?.body.changed as string[]).sort()).toEqual(['web:0', 'web:1', 'worker']);
    expect(pidsOf(d)).toEqual(before);
    const w = d.runtimes.get('worker')!;
    expect(w.status().restarts).toBe(1);
    expect(String(r?.body.message)).toMatch(/applied without a restart \(only probes[^)]*\): worker, web:0, web:1/);
    expect(w.status().probes.map((p) => p.name)).toEqual(['still-alive']);
    expect(td.events.some((e) => e.type === 'service.exited' && e.service !== 'worker')).toBe(false);
    await waitHealthy(d, ['worker', 'web:0', 'web:1']);

    // The process spec changed: replaced (new pid), as before.
    const changedEnv = YAML.parse(readFileSync(td.configFile, 'utf8')) as { services: Array<{ env: Record<string, string> }> };
    changedEnv.services[0]!.env.V = '2';
    writeFileSync(td.configFile, YAML.stringify(changedEnv));
    expect((await d.command('/api/reload', new URLSearchParams({ by: 'test' })))?.status).toBe(200);
    await waitHealthy(d, ['worker']);
    expect(pidsOf(d).worker).not.toBe(before.worker);
    expect(pidsOf(d)['web:0']).toBe(before['web:0']);
  }, 90_000);
});
