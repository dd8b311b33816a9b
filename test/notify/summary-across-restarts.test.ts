// A chat service down for long while the daemon is restarted again and again (SIGTERM, SIGKILL): the outbox is full
// (outboxLimit), and each start folded new alerts into a summary of its own. 6 restarts left 6 summaries past the bound
// on disk, all sent when the service came back. The summary a previous run was folding into stays open across restarts:
// the spool holds outboxLimit alerts and one summary, nothing is lost. Real loopback receiver, real files.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createNotifier, type Notifier } from '../../src/notify/dispatcher.js';
import { FakeClock, systemClock } from '../../src/platform/clock.js';
import { Redactor } from '../../src/observe/redact.js';
import { config, event, receiversPerTest } from './helpers.js';

const LIMIT = 10;

describe('a full outbox across daemon restarts during an outage', () => {
  const ctx = receiversPerTest(1);

  it('keeps folding into one summary: 6 restarts, 90 alerts -> 10 alerts and 1 summary of 80, spool bounded', async () => {
    const [r] = ctx.receivers;
    r!.script(1_000_000, 503);
    const url = `${r!.base}/webhook/hook`;
    const files = (): string[] => readdirSync(path.join(ctx.stateDir, 'outbox', 'hook')).filter((f) => /^\d+\.json$/.test(f));
    let i = 0;
    const killed: Notifier[] = [];
    for (let run = 0; run < 6; run++) {
      // Backoff of an hour on a clock never advanced: one try per run, answered 503.
      const clock = new FakeClock(Date.now() + run * 60_000);
      const n = createNotifier(config([{ type: 'webhook', name: 'hook', url }], { outboxLimit: LIMIT, backoff: { initial: '1h', max: '1h' } }), {
        stateDir: ctx.stateDir,
        clock,
        redactor: new Redactor(),
      });
      const asked = r!.requests.length;
      for (let k = 0; k < 15; k++) n.publish(event({ type: 'service.exited', severity: 'warning', incidentId: undefined, service: `svc${k % 3}`, message: `alert #${i++}` }));
      await r!.waitFor(() => r!.requests.length > asked, 5_000, `run ${run}'s try`);
      // Even runs end with SIGTERM (stop), odd ones with SIGKILL (nothing more runs: its clock never moves again).
      if (run % 2 === 0) await n.stop();
      else killed.push(n);
      expect(files().length).toBeLessThanOrEqual(LIMIT + 1);
    }
    r!.clearScript();
    const n = createNotifier(config([{ type: 'webhook', name: 'hook', url }], { outboxLimit: LIMIT, backoff: { initial: 10, max: 20 } }), {
      stateDir: ctx.stateDir,
      clock: systemClock(),
      redactor: new Redactor(),
    });
    ctx.notifiers.push(n, ...killed);
    await r!.waitFor(() => r!.of('webhook').length >= LIMIT + 1, 10_000, 'the backlog');
    await n.flush(2_000);
    const sent = r!.of('webhook').map((m) => m.json as { type: string; message: string; details?: { suppressed?: number } });
    expect(sent.filter((m) => m.type === 'service.exited').map((m) => m.message)).toEqual(Array.from({ length: LIMIT }, (_, k) => `alert #${k}`));
    const summaries = sent.filter((m) => m.type === 'notify.suppressed');
    expect(summaries).toHaveLength(1);
    expect(summaries[0]!.details?.suppressed).toBe(90 - LIMIT);
    expect(sent).toHaveLength(LIMIT + 1);
    expect(files()).toEqual([]);
  }, 30_000);
});
