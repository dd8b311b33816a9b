// The daemon's metrics, notifications and incident history after real incidents on a real service.
import { afterEach, describe, expect, it } from 'vitest';
import path from 'node:path';
import { startTestDaemon, FIXTURES, NODE, type TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';
import { Receiver } from '../notify/receiver.js';
import { DISCORD_TOKEN } from '../notify/helpers.js';

let td: TestDaemon | undefined;
let receiver: Receiver | undefined;
afterEach(async () => {
  await td?.stop();
  td = undefined;
  await receiver?.close();
  receiver = undefined;
});

function metricValue(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(name + '{') && !line.startsWith(name + ' ')) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) return Number(line.split(' ').pop());
  }
  return undefined;
}

describe('daemon observability', () => {
  it('counts restarts and incidents in /metrics, alerts the chat channel, and lists the incident', async () => {
    receiver = await Receiver.start();
    const secret = 'sk-live-0123456789abcdefghijklmnop';
    td = await startTestDaemon({
      notify: { channels: [{ type: 'discord', url: `${receiver.base}/discord/1/${DISCORD_TOKEN}` }], backoff: { initial: 50, max: 200 } },
      services: [
        {
          name: 'flaky',
          command: [NODE, path.join(FIXTURES, 'exit-with.mjs'), '1', '400'],
          env: { OPENAI_API_KEY: secret },
          restart: { backoff: { initial: '100ms', jitter: 0 }, intensity: { maxRestarts: 2, window: '1m' } },
        },
      ],
    });
    const t = td;
    await waitFor(() => t.events.some((e) => e.type === 'incident.escalated'), { timeoutMs: 20_000 });
    const base = `http://127.0.0.1:${t.daemon.api!.port}`;
    const text = await (await fetch(`${base}/metrics`)).text();
    expect(metricValue(text, 'clawback_breaker_open', { service: 'flaky' })).toBe(1);
    expect(metricValue(text, 'clawback_incidents_total', { service: 'flaky', outcome: 'escalated' })).toBe(1);
    expect(metricValue(text, 'clawback_service_up', { service: 'flaky' })).toBe(0);
    expect(text).toContain('clawback_daemon_resident_memory_bytes');

    await receiver.waitFor(() => receiver!.of('discord').some((m) => m.text.includes('needs a human')), 10_000, 'escalation alert');
    const all = receiver.of('discord').map((m) => m.raw).join('\n');
    expect(all).toContain('flaky');
    expect(all).not.toContain(secret);
    expect(receiver.rejected).toHaveLength(0);

    const incidents = (await (await fetch(`${base}/api/incidents`)).json()) as Array<{ id: string; service: string; highestLevel: number; status: string }>;
    expect(incidents[0]).toMatchObject({ service: 'flaky', highestLevel: 4, status: 'escalated' });
    const one = (await (await fetch(`${base}/api/incidents/${incidents[0]!.id}`)).json()) as { timeline: unknown[] };
    expect(one.timeline.length).toBeGreaterThan(3);
  });

  it('records time to recover when a crash is healed', async () => {
    td = await startTestDaemon({
      services: [{ name: 'once', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] }],
    });
    const t = td;
    const rt = t.daemon.runtimes.get('once')!;
    await waitFor(() => rt.status().health === 'healthy', { timeoutMs: 10_000 });
    process.kill(rt.status().pid!, 'SIGKILL');
    await waitFor(() => t.events.some((e) => e.type === 'incident.resolved'), { timeoutMs: 10_000 });
    const text = await (await fetch(`http://127.0.0.1:${t.daemon.api!.port}/metrics`)).text();
    expect(metricValue(text, 'clawback_time_to_recover_seconds_count', { service: 'once' })).toBe(1);
    expect(metricValue(text, 'clawback_incidents_total', { service: 'once', outcome: 'auto-resolved' })).toBe(1);
    expect(metricValue(text, 'clawback_restarts_total', { service: 'once', level: '0', reason: 'exit' })).toBe(1);
  });
});
