// /metrics after a reload removes a service: its gauges and probe series go, they do not stay at "down" for ever.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { FIXTURES, NODE, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';
import { freePort } from '../helpers/ports.js';
import { parseExposition, sample } from './exposition.js';

let td: TestDaemon | undefined;
afterEach(async () => {
  await td?.stop();
  td = undefined;
});

const sleeper = (name: string, extra: Record<string, unknown> = {}) => ({ name, command: [NODE, path.join(FIXTURES, 'sleeper.mjs')], ...extra });

describe('metrics of removed services', () => {
  it('a service removed by a reload while down and probe-failing is no longer exported (ClawbackServiceDown would fire for ever)', async () => {
    const closed = await freePort(); // nothing listens: the notify-only probe reports unhealthy
    td = await startTestDaemon({
      services: [sleeper('keep'), sleeper('drop', { probes: [{ kind: 'tcp', port: closed, interval: '200ms', action: 'notify' }] })],
    });
    const d = td.daemon;
    const scrape = async () => parseExposition(await (await fetch(`http://127.0.0.1:${d.api!.port}/metrics`)).text());
    await waitFor(async () => sample(await scrape(), 'clawback_probe_healthy', { service: 'drop', probe: 'tcp', kind: 'tcp' }) === 0, { timeoutMs: 15_000 });
    expect((await d.action('drop', 'stop')).ok).toBe(true);
    await waitFor(async () => sample(await scrape(), 'clawback_service_up', { service: 'drop' }) === 0, { timeoutMs: 15_000 });

    const cfg = YAML.parse(readFileSync(td.configFile, 'utf8')) as { services: Array<{ name: string }> };
    cfg.services = cfg.services.filter((s) => s.name !== 'drop');
    writeFileSync(td.configFile, YAML.stringify(cfg));
    expect((await d.command('/api/reload', new URLSearchParams({ by: 'test' })))?.status).toBe(200);

    const text = await (await fetch(`http://127.0.0.1:${d.api!.port}/metrics`)).text();
    expect(text.split('\n').filter((l) => l.includes('service="drop"'))).toEqual([]);
    expect(sample(parseExposition(text), 'clawback_service_up', { service: 'keep' })).toBe(1);
  }, 60_000);
});
