// A command probe's argv travels in its probe.failed alert (details.command): a secret passed as a flag's next argument
// (`--token <value>`, the usual way to hand a check its credential) must not reach any channel.
import { describe, expect, it } from 'vitest';
import { createNotifier } from '../../src/notify/dispatcher.js';
import { createCommandProbe } from '../../src/probes/command-probe.js';
import { systemClock } from '../../src/platform/clock.js';
import { Redactor } from '../../src/observe/redact.js';
import { allChannels, config, event, logCollector, receiverPerTest } from './helpers.js';

const SECRET = 'Zq7vT2mK9pLx4Rw8';

describe('a command probe with a secret argument', () => {
  const h = receiverPerTest();

  it('shows the flag but never the value after it, on every channel', async () => {
    // The real probe, failing: its details carry the argv as health-watch puts them in the alert.
    const probe = createCommandProbe({ command: [process.execPath, '-e', 'process.exit(3)', '--token', SECRET, '--api-key', `k-${SECRET}`] } as never);
    const result = await probe.check({ pid: undefined, startedAt: undefined }, new AbortController().signal);
    expect(result.status).toBe('failure');
    expect(JSON.stringify(result.details)).toContain(SECRET);

    const n = createNotifier(config(allChannels(h.receiver)), { stateDir: h.stateDir, clock: systemClock(), redactor: new Redactor(), log: logCollector().log });
    h.notifiers.push(n);
    n.publish(event({ type: 'probe.failed', severity: 'warning', level: undefined, message: `gateway: probe check failed: ${result.message}`, details: { probe: 'check', kind: 'command', ...(result.details ?? {}) } }));
    await h.receiver.waitFor(() => h.receiver.accepted.length >= 6 && n.outboxDepth() === 0, 15_000, 'the alert on every channel');

    for (const m of h.receiver.accepted) {
      expect(m.raw, m.channel).not.toContain(SECRET);
      expect(m.raw, m.channel).toContain('token');
    }
  }, 30_000);
});
