// A change to `notify:` needed a whole daemon restart: `clawback reload` said "not applied until the daemon restarts:
// notify", a new webhook got nothing and a removed one kept receiving. Now a reload rebuilds the channels over the same
// outbox: a channel that stays keeps (and later sends) its spooled alerts, a removed one's are kept as stranded and said.
import path from 'node:path';
import { writeFileSync } from 'node:fs';
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

const hook = (r: Receiver, name: string) => ({ type: 'webhook', name, url: `${r.base}/webhook/${name}`, mode: 'every-event' });
const config = (channels: object[]) => ({
  services: [{ name: 'worker', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] }],
  notify: { channels, backoff: { initial: '200ms', max: '1s' } },
});
const messagesTo = (r: Receiver, name: string): string[] =>
  r.accepted.filter((m) => m.path === `/webhook/${name}`).map((m) => String((m.json as { message?: string }).message));

describe('reload of the notify section', () => {
  it('applies a new and a removed channel; a staying channel keeps its spooled alert, a removed one is said stranded', async () => {
    receiver = await Receiver.start();
    const r = receiver;
    td = await startTestDaemon(config([hook(r, 'ops'), hook(r, 'gone')]));
    const d = td.daemon;
    await r.waitFor(() => messagesTo(r, 'ops').length > 0 && messagesTo(r, 'gone').length > 0, 20_000, 'the first alerts');

    // The endpoint is down: the alert is spooled for both channels.
    await r.down();
    d.ctx.emit({ type: 'daemon.fault', time: d.ctx.clock.now(), severity: 'warning', message: 'spooled before the reload' });

    writeFileSync(td.configFile, YAML.stringify(markServices(config([hook(r, 'ops'), hook(r, 'added')]))));
    const res = await d.command('/api/reload', new URLSearchParams({ by: 'test' }));
    expect(res?.status).toBe(200);
    const message = String(res?.body.message);
    // Before: "not applied until the daemon restarts: notify".
    expect(message).not.toContain('not applied until the daemon restarts');
    expect(message).toContain('added: added');
    expect(message).toMatch(/removed: gone, their unsent alerts kept on disk as stranded: gone \(\d+\)/);

    await r.up();
    d.ctx.emit({ type: 'daemon.fault', time: d.ctx.clock.now(), severity: 'warning', message: 'after the reload' });
    await r.waitFor(() => messagesTo(r, 'added').some((m) => m.includes('after the reload')), 20_000, 'the new channel to get the alert');
    await r.waitFor(() => messagesTo(r, 'ops').some((m) => m.includes('spooled before the reload')), 20_000, 'the spooled alert on the staying channel');
    await r.waitFor(() => messagesTo(r, 'ops').some((m) => m.includes('after the reload')), 20_000, 'the new alert on the staying channel');
    expect(messagesTo(r, 'gone').some((m) => m.includes('reload'))).toBe(false);
  }, 90_000);

  it("says a Telegram channel's chat commands wait for a daemon restart (their pollers are built at its start)", async () => {
    receiver = await Receiver.start();
    const r = receiver;
    td = await startTestDaemon(config([hook(r, 'ops')]));
    const telegram = { type: 'telegram', name: 'tg', botToken: '123456789:AAH-test_token_abcdefghijklmnopqrstuvwxyz0', chatId: -1001234, apiBase: `${r.base}/telegram`, commands: { allow: [42] } };
    writeFileSync(td.configFile, YAML.stringify(markServices(config([hook(r, 'ops'), telegram]))));
    const res = await td.daemon.command('/api/reload', new URLSearchParams({ by: 'test' }));
    expect(res?.status).toBe(200);
    const message = String(res?.body.message);
    expect(message).toContain('added: tg');
    expect(message).toContain("not applied until the daemon restarts: notify (the Telegram channels' commands)");
  }, 60_000);
});
