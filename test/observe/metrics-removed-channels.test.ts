// /metrics after a reload removes notification channels: their dead letters, outbox depth and delivery series do not stay
// frozen at their last figures (ClawbackDeadLetters and ClawbackOutboxBackingUp fired for ever). The alerts they left
// are kept as stranded and counted (live: a reload that removed every channel showed them nowhere) until discarded;
// then the series go.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { FIXTURES, NODE, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';
import { Receiver } from '../notify/receiver.js';
import { parseExposition, sample } from './exposition.js';

let td: TestDaemon | undefined;
let receiver: Receiver | undefined;
afterEach(async () => {
  await td?.stop();
  td = undefined;
  await receiver?.close();
  receiver = undefined;
});

describe('metrics of removed notification channels', () => {
  it('a reload that removes every channel counts what they left as stranded, then stops exporting it once discarded (measured: 23 and 23, frozen)', async () => {
    receiver = await Receiver.start();
    receiver.refuseWhere(() => true, 500);
    const hook = (name: string) => ({ type: 'webhook', name, url: `${receiver!.base}/webhook/${name}` });
    td = await startTestDaemon({
      notify: { maxAttempts: 1, backoff: { initial: 50, max: 100 }, channels: [hook('hookA'), hook('hookB')] },
      services: [{ name: 'svc', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')], restart: { backoff: { initial: '100ms', jitter: 0 } } }],
    });
    const t = td;
    const d = t.daemon;
    const metricsText = async () => (await fetch(`http://127.0.0.1:${d.api!.port}/metrics`)).text();
    const rt = d.runtimes.get('svc')!;
    await waitFor(() => rt.status().pid != null, { timeoutMs: 15_000 });
    process.kill(rt.status().pid!, 'SIGKILL'); // an incident: alerts the refusing endpoint turns into dead letters
    await waitFor(
      async () => {
        const s = parseExposition(await metricsText());
        return (sample(s, 'clawback_notify_dead_letters', { channel: 'hookA' }) ?? 0) > 0 && (sample(s, 'clawback_notify_dead_letters', { channel: 'hookB' }) ?? 0) > 0;
      },
      { timeoutMs: 20_000, intervalMs: 200 },
    );

    const reload = async (channels: unknown[]): Promise<string> => {
      const cfg = YAML.parse(readFileSync(t.configFile, 'utf8')) as { notify: { channels: unknown[] } };
      cfg.notify.channels = channels;
      writeFileSync(t.configFile, YAML.stringify(cfg));
      const r = await d.command('/api/reload', new URLSearchParams({ by: 'test' }));
      expect(r?.status).toBe(200);
      return String(r?.body['message']);
    };
    const said = await reload([]);
    // The reload says what it left unsent (it said "nothing was waiting to be sent" over 34 dead letters).
    expect(said).not.toContain('nothing was waiting');
    expect(said).toMatch(/hookA \(\d+\)/);
    expect(said).toMatch(/hookB \(\d+\)/);

    // What they left is kept as stranded (live figures, not frozen ones): counted until a person discards them.
    const a = Number(/hookA \((\d+)\)/.exec(said)?.[1]);
    const b = Number(/hookB \((\d+)\)/.exec(said)?.[1]);
    const kept = parseExposition(await metricsText());
    expect(sample(kept, 'clawback_notify_dead_letters', { channel: 'hookA' })).toBe(a);
    expect(sample(kept, 'clawback_notify_dead_letters', { channel: 'hookB' })).toBe(b);
    expect(sample(kept, 'clawback_notify_outbox_depth', {})).toBe(a + b);
    const discard = await fetch(`http://127.0.0.1:${d.api!.port}/api/notify/discard`, { method: 'POST', headers: { authorization: `Bearer ${d.token}` } });
    expect(discard.status).toBe(200);

    const text = await metricsText();
    expect(text.split('\n').filter((l) => l.includes('channel="'))).toEqual([]);
    expect(sample(parseExposition(text), 'clawback_notify_outbox_depth', {})).toBe(0);
    // Still so a while later (no old notifier's late attempt brings a series back).
    await new Promise((r) => setTimeout(r, 500));
    expect((await metricsText()).split('\n').filter((l) => l.includes('channel="'))).toEqual([]);
  }, 60_000);
});
