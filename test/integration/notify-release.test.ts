// A rotated webhook URL for the same room: the alerts queued for the old URL are kept (never sent elsewhere on their own);
// `clawback notify flush NAME` answered 409 "not a configured, enabled channel" for that very channel, and only
// `discard` got rid of them. `clawback notify release NAME` is a person's word that they may go to the new URL.
import { afterEach, describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startTestDaemon, FIXTURES, NODE, type TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';
import { runCli } from '../helpers/cli.js';
import { Receiver } from '../notify/receiver.js';
import type { ClawbackEvent } from '../../src/observe/events.js';

let td: TestDaemon | undefined;
const receivers: Receiver[] = [];
afterEach(async () => {
  await td?.stop();
  td = undefined;
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});

describe('alerts kept after a deliberate URL change', () => {
  it('flush names release; release sends them to the new URL, and only when asked', async () => {
    const oldUrl = await Receiver.start();
    const newUrl = await Receiver.start();
    receivers.push(oldUrl, newUrl);
    await oldUrl.down(); // the old webhook is gone (rotated)
    td = await startTestDaemon({
      notify: { channels: [{ type: 'webhook', name: 'ops', url: `${oldUrl.base}/webhook/old` }], backoff: { initial: 50, max: 200 } },
      services: [{ name: 'calm', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] }],
    });
    const box = path.join(td.stateDir, 'outbox', 'ops');
    const spooled = (): string[] => { try { return readdirSync(box).filter((f) => /^\d+\.json$/.test(f)); } catch { return []; } };
    await waitFor(() => spooled().length > 0, { timeoutMs: 10_000, message: 'an alert spooled for the old URL' });
    // The old URL's alerts by the destination they were queued for: one the reload itself queues for the new URL may
    // be delivered at any moment, and is not one of them.
    const destOf = (f: string): string | undefined => {
      try { return (JSON.parse(readFileSync(path.join(box, f), 'utf8')) as { dest?: string }).dest; } catch { return undefined; }
    };
    const oldDest = destOf(spooled()[0]!);
    expect(oldDest).toBeDefined();

    // The person rotates the URL for the same room and reloads.
    writeFileSync(td.configFile, readFileSync(td.configFile, 'utf8').replace(`${oldUrl.base}/webhook/old`, `${newUrl.base}/webhook/new`));
    const reloaded = await runCli(['reload', '--config', td.configFile, '--state-dir', td.stateDir]);
    expect(reloaded.code, reloaded.stderr).toBe(0);
    const status = async (): Promise<{ notify: { stranded: Record<string, number> } }> => JSON.parse((await runCli(['status', '--json', '--state-dir', td!.stateDir])).stdout) as { notify: { stranded: Record<string, number> } };
    const kept = (await status()).notify.stranded['ops'] ?? 0;
    expect(kept).toBeGreaterThan(0);
    const old = new Set(spooled().filter((f) => destOf(f) === oldDest));
    expect(old.size).toBe(kept);

    // flush: the channel is configured and enabled; its kept alerts stay kept, and the answer says how to send them.
    const flushed = await runCli(['notify', 'flush', 'ops', '--state-dir', td.stateDir]);
    expect(flushed.code, flushed.stdout + flushed.stderr).toBe(0);
    expect(flushed.stdout).toContain('clawback notify release ops');
    expect(spooled().filter((f) => old.has(f))).toHaveLength(old.size); // nothing sent on its own

    // release: a person's word; they go to the new URL, and off the disk.
    const released = await runCli(['notify', 'release', 'ops', '--state-dir', td.stateDir]);
    expect(released.code, released.stdout + released.stderr).toBe(0);
    expect(released.stdout).toContain(`${kept} kept alert(s) of ops released`);
    await waitFor(() => spooled().every((f) => !old.has(f)), { timeoutMs: 10_000, message: 'the released alerts delivered' });
    expect(newUrl.of('webhook').length).toBeGreaterThan(0); // (steps of one incident fold into fewer messages)
    expect(oldUrl.of('webhook')).toHaveLength(0);
    expect((await status()).notify.stranded['ops'] ?? 0).toBe(0);

    // A channel name is required, and an unknown one is refused.
    const none = await runCli(['notify', 'release', '--state-dir', td.stateDir]);
    expect(none.code).not.toBe(0);
    const unknown = await runCli(['notify', 'release', 'nope', '--state-dir', td.stateDir]);
    expect(unknown.code).toBe(4);
  }, 60_000);
});
