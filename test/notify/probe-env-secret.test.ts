// A command probe's own `env` holds the check's credential; a check that prints it when it fails (curl -v, "401 for
// <token>") put it in the probe.failed alert on every channel: the daemon's redactor learns those values too.
import { describe, expect, it } from 'vitest';
import { createNotifier } from '../../src/notify/dispatcher.js';
import { createCommandProbe } from '../../src/probes/command-probe.js';
import { probeSchema } from '../../src/probes/probe-schema.js';
import { systemClock } from '../../src/platform/clock.js';
import { Redactor } from '../../src/observe/redact.js';
import { learnServiceSecrets } from '../../src/observe/service-secrets.js';
import { allChannels, config, event, logCollector, receiverPerTest } from './helpers.js';

const SECRET = 'Pq8rW3nZ6yB1cV5x';

describe('a command probe whose env holds a secret', () => {
  const h = receiverPerTest();

  it('never shows the value on any channel when the check prints it', async () => {
    const probeConfig = probeSchema.parse({
      kind: 'command',
      name: 'check',
      action: 'notify',
      command: [process.execPath, '-e', "console.error('401 Unauthorized for ' + process.env.CHECK_TOKEN); process.exit(1)"],
      env: { CHECK_TOKEN: SECRET },
    });
    if (probeConfig.kind !== 'command') throw new Error('not a command probe');
    const result = await createCommandProbe(probeConfig).check({ pid: undefined, startedAt: undefined }, new AbortController().signal);
    expect(result.message).toContain(SECRET);

    // What the daemon does at start and reload: learn the config's secrets into the redactor the notifier uses.
    const redactor = await learnServiceSecrets(new Redactor(), { services: [{ env: {}, inheritEnv: true, probes: [probeConfig] }] });
    const n = createNotifier(config(allChannels(h.receiver)), { stateDir: h.stateDir, clock: systemClock(), redactor, log: logCollector().log });
    h.notifiers.push(n);
    n.publish(event({ type: 'probe.failed', severity: 'warning', level: undefined, message: `web: probe check failed: ${result.message}`, details: { probe: 'check', kind: 'command', ...(result.details ?? {}) } }));
    await h.receiver.waitFor(() => h.receiver.accepted.length >= 6 && n.outboxDepth() === 0, 15_000, 'the alert on every channel');

    for (const m of h.receiver.accepted) {
      expect(m.raw, m.channel).not.toContain(SECRET);
      expect(m.raw, m.channel).toContain('401 Unauthorized');
    }
  }, 30_000);
});
