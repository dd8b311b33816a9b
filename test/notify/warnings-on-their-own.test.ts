// Warnings no incident follows (a config reload refused, a rolling restart stopped half-way, autoscale holding its
// count, another supervisor enabled for the gateway) were only kept as background for an incident that might open: in
// the default mode (incident) nobody heard of them. Each is said once per cause at its source; now each is sent.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNotifier } from '../../src/notify/dispatcher.js';
import { Redactor } from '../../src/observe/redact.js';
import type { ClawbackEvent } from '../../src/observe/events.js';
import { systemClock } from '../../src/platform/clock.js';
import { Receiver } from './receiver.js';
import { DISCORD_TOKEN, config } from './helpers.js';

let receiver: Receiver;
const root = mkdtempSync(path.join(os.tmpdir(), 'clawback-own-warnings-'));

beforeAll(async () => {
  receiver = await Receiver.start();
});

afterAll(async () => {
  await receiver?.close();
  rmSync(root, { recursive: true, force: true });
});

describe('warnings with no incident, in incident mode (real receiver)', () => {
  it('each reaches the channel; an info of the same kinds does not', async () => {
    const notifier = createNotifier(config([{ type: 'discord', mode: 'incident', url: `${receiver.base}/discord/1234567890/${DISCORD_TOKEN}` }], { dedupWindow: 0 }), {
      stateDir: path.join(root, 'state'),
      clock: systemClock(),
      redactor: new Redactor(),
    });
    const now = Date.now();
    const events: ClawbackEvent[] = [
      { type: 'config.reload-failed', time: now, severity: 'warning', message: 'reload refused: services[0].port: expected number (SIGHUP)', details: { by: 'signal' } },
      { type: 'service.rollout-failed', time: now, severity: 'warning', service: 'web', message: 'rolling restart of web stopped at web:1', details: {} },
      { type: 'service.autoscale-held', time: now, severity: 'warning', service: 'web', message: 'autoscale of web holds at 2 instance(s): metric command exited 1', details: {} },
      { type: 'openclaw.other-supervisor', time: now, severity: 'warning', service: 'gw', message: 'gw: openclaw-gateway.service is enabled too', details: {} },
      { type: 'openclaw.other-supervisor', time: now, severity: 'info', service: 'gw', message: 'gw: a disabled unit INFO-ONLY', details: {} },
    ];
    try {
      for (const e of events) notifier.publish(e);
      await notifier.flush(10_000);
      await receiver.waitFor(() => receiver.of('discord').length >= 4, 10_000, 'the four warnings');
      await notifier.flush(2_000);
      const texts = receiver.of('discord').map((m) => m.text);
      expect(texts).toHaveLength(4);
      for (const want of ['reload refused', 'rolling restart of web stopped', 'autoscale of web holds', 'openclaw-gateway.service is enabled']) {
        expect(texts.some((t) => t.includes(want)), want).toBe(true);
      }
      expect(texts.join('\n')).not.toContain('INFO-ONLY');
    } finally {
      await notifier.stop();
    }
  }, 30_000);
});
