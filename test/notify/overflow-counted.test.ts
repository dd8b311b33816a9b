// One channel refusing (HTTP 500) past its outboxLimit: the alerts folded into its summary were said by one log line only;
// /api/status, `clawback status` and /metrics showed nothing of them.
import { afterEach, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { runCli } from '../helpers/cli.js';
import { FIXTURES, NODE, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { Receiver } from './receiver.js';

type View = { notify: { overflowed?: Record<string, { folded: number; dropped: number }> }; daemon: { api: { host: string; port: number } } };

describe('a channel answering 500 past its outboxLimit', () => {
  let t: TestDaemon | undefined;
  const receivers: Receiver[] = [];
  afterEach(async () => {
    await t?.stop();
    t = undefined;
    for (const r of receivers.splice(0)) await r.close();
  });

  it('counts the alerts its full outbox folded in status, `clawback status` and clawback_notify_overflow_total', async () => {
    const ok = await Receiver.start();
    const refusing = await Receiver.start();
    receivers.push(ok, refusing);
    refusing.refuseWhere(() => true, 500);
    t = await startTestDaemon({
      notify: {
        channels: [
          { type: 'webhook', name: 'good', mode: 'every-event', url: `${ok.base}/webhook/good` },
          { type: 'webhook', name: 'bad', mode: 'every-event', url: `${refusing.base}/webhook/bad` },
        ],
        outboxLimit: 10,
        timeout: 500,
        backoff: { initial: 100, max: 300 },
      },
      services: [{ name: 'sl', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] }],
    });
    // Distinct alerts (one per service name, so none is a duplicate): a burst of 30 fills every channel's outbox of 10.
    const total = 30;
    for (let i = 0; i < total; i++) t.daemon.ctx.emit({ type: 'service.exited', time: Date.now(), severity: 'warning', service: `s${i}`, message: `flood ${String(i).padStart(2, '0')}` });

    const status = t.daemon.status() as unknown as View;
    // Before the fix: no `overflowed` at all.
    const bad = status.notify.overflowed?.['bad'];
    expect(bad, JSON.stringify(status.notify)).toBeDefined();
    expect(bad!.folded).toBeGreaterThanOrEqual(total - 10);
    expect(bad!.dropped).toBe(0);

    const cli = await runCli(['status', '--state-dir', t.stateDir]);
    expect(cli.stdout + cli.stderr).toMatch(/ALERTS NOT DELIVERED: \d+ alert\(s\) for bad not kept on their own since the daemon started, its outbox full \(notify\.outboxLimit\): \d+ folded into a summary message, 0 refused one\(s\) dropped/);

    const { host, port } = status.daemon.api;
    const metrics = await (await fetch(`http://${host}:${port}/metrics`)).text();
    const m = /^clawback_notify_overflow_total\{channel="bad",how="folded"\} (\d+)$/m.exec(metrics);
    expect(m, metrics.split('\n').filter((l) => l.includes('notify')).join('\n')).not.toBeNull();
    expect(Number(m![1])).toBeGreaterThanOrEqual(bad!.folded);
    expect(metrics).toContain('# TYPE clawback_notify_overflow_total counter');
    const check = spawnSync('promtool', ['check', 'metrics'], { input: metrics, encoding: 'utf8', timeout: 30_000 });
    expect(check.error, 'promtool not found: install the Debian package "prometheus"').toBeUndefined();
    expect(check.status, `promtool check metrics:\n${check.stdout}${check.stderr}`).toBe(0);
  }, 60_000);
});
