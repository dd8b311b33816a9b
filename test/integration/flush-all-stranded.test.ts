// `clawback notify flush` (every channel) with alerts kept for a removed channel answered "0 undelivered alert(s) for
// every channel are being retried now", and nothing else: read as "nothing is held". It names what stays kept, and why.
import { afterEach, describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { startTestDaemon, FIXTURES, NODE, type TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';
import { runCli } from '../helpers/cli.js';
import { Receiver } from '../notify/receiver.js';

let td: TestDaemon | undefined;
const receivers: Receiver[] = [];
afterEach(async () => {
  await td?.stop();
  td = undefined;
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});

describe('flush of every channel with alerts kept for a removed one', () => {
  it('says how many stay kept, for which channel, and how to drop them', async () => {
    const good = await Receiver.start();
    const bad = await Receiver.start();
    receivers.push(good, bad);
    await bad.down();
    td = await startTestDaemon({
      notify: {
        channels: [
          { type: 'webhook', name: 'good', url: `${good.base}/webhook/good` },
          { type: 'webhook', name: 'bad', url: `${bad.base}/webhook/bad` },
        ],
        backoff: { initial: 50, max: 200 },
      },
      services: [{ name: 'calm', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] }],
    });
    const box = path.join(td.stateDir, 'outbox', 'bad');
    const spooled = (): string[] => { try { return readdirSync(box).filter((f) => /^\d+\.json$/.test(f)); } catch { return []; } };
    await waitFor(() => spooled().length > 0, { timeoutMs: 10_000, message: 'an alert spooled for the down channel' });

    // The person removes the down channel and reloads: its alerts are kept as stranded.
    const cfg = YAML.parse(readFileSync(td.configFile, 'utf8')) as { notify: { channels: { name: string }[] } };
    cfg.notify.channels = cfg.notify.channels.filter((c) => c.name !== 'bad');
    writeFileSync(td.configFile, YAML.stringify(cfg));
    const reloaded = await runCli(['reload', '--config', td.configFile, '--state-dir', td.stateDir]);
    expect(reloaded.code, reloaded.stderr).toBe(0);
    const status = JSON.parse((await runCli(['status', '--json', '--state-dir', td.stateDir])).stdout) as { notify: { stranded: Record<string, number> } };
    const kept = status.notify.stranded['bad'] ?? 0;
    expect(kept).toBeGreaterThan(0);

    const flushed = await runCli(['notify', 'flush', '--state-dir', td.stateDir]);
    expect(flushed.code, flushed.stdout + flushed.stderr).toBe(0);
    expect(flushed.stdout).toContain(`${kept} alert(s) are kept for the channel "bad", which is not configured`);
    expect(flushed.stdout).toContain('clawback notify discard bad');
    const json = await runCli(['notify', 'flush', '--json', '--state-dir', td.stateDir]);
    expect((JSON.parse(json.stdout) as { message: string }).message).toContain(`${kept} alert(s) are kept for the channel "bad"`);
    expect(spooled()).toHaveLength(kept); // still kept, nothing sent elsewhere
    expect(good.of('webhook').every((m) => m.path === '/webhook/good')).toBe(true);
  }, 60_000);
});
