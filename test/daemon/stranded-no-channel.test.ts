// A reload that removed every notify channel said "kept on disk, not sent while no channel is configured: hookA (3)",
// and then the alerts showed nowhere: status said outboxDepth 0 and stranded {}, /metrics had no series for hookA, and
// `notify discard` / `flush` answered 409 "no notification channels configured". They are kept as stranded now (the
// daemon keeps a notifier with no channel while its outbox holds alerts): counted, clearable, and sent when a channel of
// that name comes back.
import path from 'node:path';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { FIXTURES, NODE, markServices, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { Receiver } from '../notify/receiver.js';

let td: TestDaemon | undefined;
let receiver: Receiver | undefined;
afterEach(async () => {
  await td?.stop();
  await receiver?.close();
  td = undefined;
  receiver = undefined;
});

const hook = (r: Receiver) => ({ type: 'webhook', name: 'hookA', url: `${r.base}/webhook/hookA`, mode: 'every-event' });
const config = (channels: object[]) => ({
  services: [{ name: 'worker', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] }],
  notify: { channels, backoff: { initial: '200ms', max: '1s' } },
});
type Status = { notify: { outboxDepth: number; stranded: Record<string, number>; strandedWhy: Record<string, string> } };

describe('alerts left on disk by a reload that removed every channel', () => {
  it('are counted in status and /metrics, discarded by `notify discard hookA`, and sent when hookA comes back', async () => {
    receiver = await Receiver.start();
    const r = receiver;
    td = await startTestDaemon(config([hook(r)]));
    const d = td.daemon;
    const base = `http://127.0.0.1:${d.api!.port}`;
    const status = async (): Promise<Status> => (await (await fetch(`${base}/api/status`)).json()) as Status;
    const post = async (what: string, channel: string): Promise<{ status: number; body: { message?: string; count?: number } }> => {
      const res = await fetch(`${base}/api/notify/${what}?channel=${channel}`, { method: 'POST', headers: { authorization: `Bearer ${d.token}` } });
      return { status: res.status, body: (await res.json()) as { message?: string; count?: number } };
    };
    const reload = async (channels: object[]): Promise<string> => {
      writeFileSync(td!.configFile, YAML.stringify(markServices(config(channels))));
      const res = await d.command('/api/reload', new URLSearchParams({ by: 'test' }));
      expect(res?.status).toBe(200);
      return String(res?.body.message);
    };
    const folder = path.join(td.stateDir, 'outbox', 'hook+a');
    const onDisk = (): number => (existsSync(folder) ? readdirSync(folder).filter((f) => /^\d+\.json$/.test(f)).length : 0);
    await r.waitFor(() => r.accepted.length > 0, 20_000, 'the first alerts');

    await r.down();
    for (const m of ['first while down', 'second while down', 'third while down']) d.ctx.emit({ type: 'daemon.fault', time: d.ctx.clock.now(), severity: 'warning', message: m });
    await r.waitFor(() => onDisk() >= 3, 10_000, 'three alerts spooled for hookA');

    const message = await reload([]);
    const n = Number(/no channel is configured: hookA \((\d+)\)/.exec(message)?.[1]);
    expect(n).toBeGreaterThanOrEqual(3);

    // Before: outboxDepth 0, stranded {}, no hookA series.
    const s = await status();
    expect(s.notify.stranded).toEqual({ hookA: n });
    expect(s.notify.strandedWhy).toEqual({ hookA: 'removed' });
    expect(s.notify.outboxDepth).toBe(n);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toContain(`clawback_notify_dead_letters{channel="hookA"} ${n}`);
    expect(metrics).toMatch(new RegExp(`^clawback_notify_outbox_depth ${n}$`, 'm'));

    // Flush cannot send them (no channel): said, not "no notification channels configured".
    const flush = await post('flush', 'hookA');
    expect(flush.status).toBe(409);
    expect(String(flush.body.message)).toContain(`${n} alert(s) are kept for "hookA"`);

    // hookA comes back (same name, same URL): they are sent there.
    await r.up();
    await reload([hook(r)]);
    await r.waitFor(() => ['first', 'second', 'third'].every((w) => r.accepted.some((m) => String((m.json as { message?: string }).message).includes(`${w} while down`))), 20_000, 'the kept alerts on hookA');
    expect((await status()).notify.stranded).toEqual({});

    // Kept again, and this time discarded by a person.
    await r.down();
    d.ctx.emit({ type: 'daemon.fault', time: d.ctx.clock.now(), severity: 'warning', message: 'fourth while down' });
    await r.waitFor(() => onDisk() >= 1, 10_000, 'an alert spooled for hookA');
    await reload([]);
    const kept = (await status()).notify.stranded['hookA'] ?? 0;
    expect(kept).toBeGreaterThanOrEqual(1);
    const discard = await post('discard', 'hookA');
    expect(discard.status).toBe(200);
    expect(discard.body.count).toBe(kept);
    expect(String(discard.body.message)).toBe(`${kept} undelivered alert(s) for hookA discarded`);
    const after = await status();
    expect(after.notify.outboxDepth).toBe(0);
    await r.waitFor(() => onDisk() === 0, 10_000, 'the discarded files removed');
    // Nothing left for hookA: no series (it stayed at 0 for ever).
    expect(await (await fetch(`${base}/metrics`)).text()).not.toContain('channel="hookA"');
  }, 120_000);

  it('a removed channel whose kept alerts were discarded leaves /metrics; a configured one stays', async () => {
    receiver = await Receiver.start();
    const r = receiver;
    const ops = { type: 'webhook', name: 'ops', url: `${r.base}/webhook/ops`, mode: 'every-event' };
    td = await startTestDaemon(config([hook(r), ops]));
    const d = td.daemon;
    const base = `http://127.0.0.1:${d.api!.port}`;
    const metrics = async (): Promise<string> => (await fetch(`${base}/metrics`)).text();
    const folder = path.join(td.stateDir, 'outbox', 'hook+a');
    await r.waitFor(() => r.accepted.length > 0, 20_000, 'the first alerts');
    await r.down();
    d.ctx.emit({ type: 'daemon.fault', time: d.ctx.clock.now(), severity: 'warning', message: 'while down' });
    await r.waitFor(() => existsSync(folder) && readdirSync(folder).some((f) => /^\d+\.json$/.test(f)), 10_000, 'an alert spooled for hookA');
    writeFileSync(td.configFile, YAML.stringify(markServices(config([ops]))));
    expect((await d.command('/api/reload', new URLSearchParams({ by: 'test' })))?.status).toBe(200);
    expect(await metrics()).toMatch(/clawback_notify_dead_letters\{channel="hookA"\} [1-9]/);
    const res = await fetch(`${base}/api/notify/discard?channel=hookA`, { method: 'POST', headers: { authorization: `Bearer ${d.token}` } });
    expect(res.status).toBe(200);
    const after = await metrics();
    expect(after).not.toContain('channel="hookA"');
    expect(after).toContain('clawback_notify_dead_letters{channel="ops"}');
  }, 120_000);
});
