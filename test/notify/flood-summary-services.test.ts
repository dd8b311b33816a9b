// A storm across many services folded into one summary that named only the latest alert's service: the other 19 services
// that crashed were nowhere in it. The summary now counts what it folded per service.
import { describe, expect, it } from 'vitest';
import { fold, MAX_NAMED_SERVICES, summaryEvent, type Folded } from '../../src/notify/flood-summary.js';
import { createNotifier } from '../../src/notify/dispatcher.js';
import { systemClock } from '../../src/platform/clock.js';
import { Redactor } from '../../src/observe/redact.js';
import { config, event, logCollector, receiverPerTest } from './helpers.js';

interface Hook {
  type: string;
  message: string;
  details?: { suppressed?: number; services?: Record<string, number> };
}

describe('the flood summary', () => {
  const h = receiverPerTest();

  it('names every service it folded, with how many of each', async () => {
    const receiver = h.receiver;
    const limit = 10;
    const n = createNotifier(config([{ type: 'webhook', url: `${receiver.base}/webhook/a` }], { outboxLimit: limit }), {
      stateDir: h.stateDir,
      clock: systemClock(),
      redactor: new Redactor(),
      log: logCollector().log,
    });
    h.notifiers.push(n);
    await receiver.down();
    // 500 alerts across 20 services, one of them with no service at all.
    const total = 500;
    for (let i = 0; i < total; i++) {
      const service = i % 21 === 20 ? undefined : `svc-${i % 21}`;
      n.publish(event({ type: 'service.exited', severity: 'warning', ...(service ? { service, incidentId: `inc-${service}` } : { service: undefined }), message: `exit ${i}` }));
    }
    await receiver.up();
    await receiver.waitFor(() => receiver.accepted.some((m) => (m.json as Hook).type === 'notify.suppressed') && n.outboxDepth() === 0, 20_000, 'the summary');
    await n.flush(5000);
    const got = receiver.of('webhook').map((m) => m.json as Hook);
    const summaries = got.filter((g) => g.type === 'notify.suppressed');
    expect(summaries).toHaveLength(1);
    const s = summaries[0]!;
    const alone = got.filter((g) => g.type === 'service.exited').map((g) => Number(g.message.replace('exit ', '')));
    // What was folded, per service, as counted from what was sent.
    const expected: Record<string, number> = {};
    for (let i = 0; i < total; i++) {
      if (alone.includes(i)) continue;
      const key = i % 21 === 20 ? '' : `svc-${i % 21}`;
      expected[key] = (expected[key] ?? 0) + 1;
    }
    const { ['']: noService, ...byService } = expected;
    expect(s.details?.suppressed).toBe(total - alone.length);
    expect(s.details?.services).toEqual(byService);
    // Before the fix: only the latest alert's service (svc-17) was named in the text.
    for (const [svc, count] of Object.entries(byService)) expect(s.message).toContain(`${svc} ×${count}`);
    expect(s.message).toContain(`${noService} without a service`);
    expect(s.message).toMatch(/latest: .*exit 499$/);
  });

  it('stays bounded past MAX_NAMED_SERVICES: the further services are counted together', () => {
    let f: Folded | undefined;
    for (let i = 0; i < 1000; i++) f = fold(f, event({ type: 'service.exited', service: `s${i % 100}`, message: `exit ${i}` }), 1_000);
    expect(f!.services.size).toBe(MAX_NAMED_SERVICES);
    expect(f!.otherServices).toBe(1000 - MAX_NAMED_SERVICES * 10);
    const e = summaryEvent('ops', f!, 10, 2_000);
    expect(e.message).toContain(`s0 ×10, s1 ×10`);
    expect(e.message).toContain(`${1000 - MAX_NAMED_SERVICES * 10} of other services`);
    expect(e.message).not.toContain(`s${MAX_NAMED_SERVICES} ×`);
  });
});
