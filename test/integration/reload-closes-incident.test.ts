// A reload that replaces or removes a service mid-incident closes that incident: no reminders, no open gauge for ever.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { FIXTURES, NODE, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';
import { summarizeIncidents } from '../../src/observe/incidents.js';
import { parseExposition, sample } from '../observe/exposition.js';

let td: TestDaemon | undefined;
afterEach(async () => {
  await td?.stop();
  td = undefined;
});

const crasher = (name: string) => ({
  name,
  command: [NODE, path.join(FIXTURES, 'exit-with.mjs'), '1', '200'],
  restart: { backoff: { initial: '100ms', max: '200ms' }, intensity: { maxRestarts: 2, window: '1m' } },
  doctor: { attempts: 0 },
});
const sleeper = (name: string) => ({ name, command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] });

describe('a reload ends the incidents of the services it replaces or removes', () => {
  it('a crash-looping service at Level 4 fixed by a reload, another removed: both incidents close, none left open', async () => {
    td = await startTestDaemon({ services: [sleeper('keep'), crasher('svc'), crasher('gone')] });
    const t = td;
    const d = t.daemon;
    for (const name of ['svc', 'gone']) await waitFor(() => d.runtimes.get(name)?.currentIncident()?.status === 'waiting-human', { timeoutMs: 20_000 });
    const ids = ['svc', 'gone'].map((n) => d.runtimes.get(n)!.currentIncident()!.id);

    // The person's fix: svc runs a command that works now, gone is taken out of the config.
    const cfg = YAML.parse(readFileSync(t.configFile, 'utf8')) as { services: Array<Record<string, unknown>> };
    cfg.services = cfg.services.filter((s) => s['name'] !== 'gone').map((s) => (s['name'] === 'svc' ? { ...s, command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] } : s));
    writeFileSync(t.configFile, YAML.stringify(cfg));
    expect((await d.command('/api/reload', new URLSearchParams({ by: 'test' })))?.status).toBe(200);
    await waitFor(() => d.runtimes.get('svc')?.status().health === 'healthy', { timeoutMs: 20_000 });

    // Each incident is closed once, by the reload, and says so (it did not "recover").
    for (const id of ids) {
      const closed = t.events.filter((e) => e.type === 'incident.resolved' && e.incidentId === id);
      expect(closed).toHaveLength(1);
      expect(closed[0]!.details).toMatchObject({ outcome: 'human-resolved', closedBy: 'reload', highestLevel: 4 });
      expect(closed[0]!.message).toContain('a config reload removed or replaced the service');
    }
    expect(d.runtimes.get('svc')!.currentIncident()).toBeNull();
    // The journal's reading (clawback incidents, the digest) and /metrics agree: nothing open.
    await waitFor(() => t.journal().filter((e) => e.type === 'incident.resolved').length >= 2, { timeoutMs: 5_000 });
    expect(summarizeIncidents(t.journal()).filter((i) => i.status !== 'resolved')).toEqual([]);
    const metrics = parseExposition(await (await fetch(`http://127.0.0.1:${d.api!.port}/metrics`)).text());
    expect(sample(metrics, 'clawback_incidents_open', { service: 'svc' }) ?? 0).toBe(0);
    expect(sample(metrics, 'clawback_incidents_open', { service: 'gone' }) ?? 0).toBe(0);
  }, 90_000);
});
