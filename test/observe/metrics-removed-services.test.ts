// /metrics after a reload removes a service: its gauges and probe series go, they do not stay at "down" for ever.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { FIXTURES, NODE, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';
import { freePort } from '../helpers/ports.js';
import { parseExposition, sample } from './exposition.js';
import { createMetrics } from '../../src/observe/metrics.js';
import type { ClawbackEvent, EventType } from '../../src/observe/events.js';

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

  // The counters and the TTR histogram of a removed service stayed for the daemon's life: a daemon whose services come
  // and go (reloads, scale-downs, renamed instances) exported, and held, every name it ever had. Measured: 300 removed
  // services with one restart, one incident and one agent run each left 6 600 lines in /metrics.
  it('the restarts, incidents, TTR and agent-run series of removed services go; those of live ones stay', async () => {
    const m = createMetrics();
    try {
      const ev = (type: EventType, service: string, extra: Partial<ClawbackEvent> = {}): ClawbackEvent => ({ type, time: 1_700_000_000_000, severity: 'info', message: type, service, ...extra });
      const feed = (service: string): void => {
        m.onEvent(ev('incident.opened', service, { incidentId: `${service}-i`, level: 0, details: { reason: 'exit' } }));
        m.onEvent(ev('service.restarting', service, { level: 0, details: { reason: 'exit', attempt: 1 } }));
        m.onEvent(ev('agent.finished', service, { details: { adapter: 'claude', outcome: 'fixed' } }));
        m.onEvent(ev('incident.resolved', service, { incidentId: `${service}-i`, details: { ttrMs: 1500, highestLevel: 3, outcome: 'auto-resolved' } }));
      };
      feed('keep');
      const oneService = (await m.render()).split('\n').filter((l) => l.includes('service="keep"')).length;
      const gone = Array.from({ length: 300 }, (_, i) => `gone-${i}`);
      for (const name of gone) feed(name);
      // An event without a service is counted under "unknown": not a removed service, kept.
      m.onEvent({ type: 'service.restarting', time: 1_700_000_000_000, severity: 'info', message: 'x', level: 0, details: { reason: 'exit' } });
      m.retainServices(new Map([['keep', undefined]]));

      const lines = (await m.render()).split('\n');
      expect(lines.filter((l) => l.includes('service="gone-'))).toEqual([]);
      expect(lines.filter((l) => l.includes('service="keep"'))).toHaveLength(oneService);
      const s = parseExposition(lines.join('\n'));
      expect(sample(s, 'clawback_restarts_total', { service: 'keep', level: '0', reason: 'exit' })).toBe(1);
      expect(sample(s, 'clawback_time_to_recover_seconds_count', { service: 'keep' })).toBe(1);
      expect(sample(s, 'clawback_restarts_total', { service: 'unknown', level: '0', reason: 'exit' })).toBe(1);

      // A name that comes back starts from nothing, and goes again with the next removal.
      feed('gone-7');
      expect(sample(parseExposition(await m.render()), 'clawback_restarts_total', { service: 'gone-7', level: '0', reason: 'exit' })).toBe(1);
      m.retainServices(new Map([['keep', undefined]]));
      expect((await m.render()).includes('service="gone-7"')).toBe(false);
    } finally {
      m.stop();
    }
  });

  it('a crashing service removed by a reload leaves no restart or incident series in /metrics', async () => {
    td = await startTestDaemon({
      services: [sleeper('keep'), { name: 'crashy', command: [NODE, path.join(FIXTURES, 'exit-with.mjs'), '1', '300'] }],
    });
    const d = td.daemon;
    const scrape = async () => parseExposition(await (await fetch(`http://127.0.0.1:${d.api!.port}/metrics`)).text());
    await waitFor(async () => (sample(await scrape(), 'clawback_restarts_total', { service: 'crashy', level: '0', reason: 'exit' }) ?? 0) >= 2, { timeoutMs: 20_000 });

    const cfg = YAML.parse(readFileSync(td.configFile, 'utf8')) as { services: Array<{ name: string }> };
    cfg.services = cfg.services.filter((s) => s.name !== 'crashy');
    writeFileSync(td.configFile, YAML.stringify(cfg));
    expect((await d.command('/api/reload', new URLSearchParams({ by: 'test' })))?.status).toBe(200);

    // The incident closed by the reload may be counted after one scrape: the next one drops it again.
    await fetch(`http://127.0.0.1:${d.api!.port}/metrics`);
    const text = await (await fetch(`http://127.0.0.1:${d.api!.port}/metrics`)).text();
    expect(text.split('\n').filter((l) => l.includes('service="crashy"'))).toEqual([]);
    expect(sample(parseExposition(text), 'clawback_service_up', { service: 'keep' })).toBe(1);
  }, 60_000);
});
