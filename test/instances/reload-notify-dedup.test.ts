// The dedup memory started empty after a reload that changed `notify:`: a flapping service's identical alert, suppressed
// a moment before, went out again right after the reload. Now the new notifier keeps the memory of the one it replaces.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
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
  notify: { channels, dedupWindow: '10m', backoff: { initial: '200ms', max: '1s' } },
});
const messagesTo = (r: Receiver, name: string): string[] =>
  r.accepted.filter((m) => m.path === `/webhook/${name}`).map((m) => String((m.json as { message?: string }).message));

describe('reload of the notify section and the dedup window', () => {
  it('a repeat inside the window stays suppressed after the reload', async () => {
    receiver = await Receiver.start();
    const r = receiver;
    td = await startTestDaemon(config([hook(r, 'ops')]));
    const d = td.daemon;
    const flap = (): void => d.ctx.emit({ type: 'daemon.fault', time: d.ctx.clock.now(), severity: 'warning', message: 'worker: disk nearly full' });
    flap();
    await r.waitFor(() => messagesTo(r, 'ops').some((m) => m.includes('disk nearly full')), 20_000, 'the first alert');
    flap();

    writeFileSync(td.configFile, YAML.stringify(markServices(config([hook(r, 'ops'), hook(r, 'added')]))));
    const res = await d.command('/api/reload', new URLSearchParams({ by: 'test' }));
    expect(res?.status).toBe(200);
    expect(String(res?.body.message)).toContain('added: added');

    flap();
    d.ctx.emit({ type: 'daemon.fault', time: d.ctx.clock.now(), severity: 'warning', message: 'marker after the reload' });
    // A channel sends in order: once the marker is there, a repeat let through would be there too.
    await r.waitFor(() => messagesTo(r, 'ops').some((m) => m.includes('marker after the reload')), 20_000, 'the marker');
    // Before the fix: 2 (the repeat went out again right after the reload).
    expect(messagesTo(r, 'ops').filter((m) => m.includes('disk nearly full'))).toHaveLength(1);
  }, 90_000);
});
