// Slack's section text is escaped before its last cut: the cut must never land inside &amp; (a bare & Slack shows as text).
import { beforeEach, describe, expect, it } from 'vitest';
import { createNotifier } from '../../src/notify/dispatcher.js';
import { TRUNCATION_MARKER, truncateEntities } from '../../src/notify/truncate.js';
import { escapeSlack } from '../../src/notify/slack.js';
import { systemClock } from '../../src/platform/clock.js';
import { Redactor } from '../../src/observe/redact.js';
import type { Receiver } from './receiver.js';
import { SLACK_TOKEN, config, event, receiverPerTest } from './helpers.js';

describe('slack section cut', () => {
  const h = receiverPerTest();
  let receiver: Receiver;
  beforeEach(() => {
    receiver = h.receiver;
  });

  it('an empty message with details full of "&": every alert is delivered, no entity cut in half', async () => {
    const n = createNotifier(config([{ type: 'slack', url: `${receiver.base}/slack/services/T000/B000/${SLACK_TOKEN}` }]), {
      stateDir: h.stateDir,
      clock: systemClock(),
      redactor: new Redactor(),
    });
    h.notifiers.push(n);
    // Query strings in a probe's output, say; the padding moves the cut across the five characters of "&amp;".
    for (let pad = 0; pad < 6; pad++) {
      const details: Record<string, unknown> = {};
      for (let i = 0; i < 40; i++) details[`k${i}`] = 'x'.repeat(pad) + '&'.repeat(150);
      n.publish(event({ type: 'probe.failed', severity: 'warning', message: '', incidentId: `inc-${pad}`, details }));
    }
    // Before the fix: pad 3 ended "…&amp… [truncated]", 400 "unescaped & in mrkdwn", parked as a dead letter.
    await receiver.waitFor(() => receiver.accepted.length + (n.deadLetters()['slack'] ?? 0) === 6, 20_000, 'six alerts delivered or parked');
    expect(receiver.rejected.map((r) => r.reason)).toEqual([]);
    expect(n.deadLetters()).toEqual({ slack: 0 });
    expect(receiver.accepted).toHaveLength(6);
    for (const m of receiver.accepted) {
      const section = (m.json as { blocks: Array<{ text?: { text: string } }> }).blocks[1]!.text!.text;
      expect(section.length).toBeLessThanOrEqual(3000);
      expect(section.endsWith(TRUNCATION_MARKER)).toBe(true);
    }
  }, 30_000);

  it('truncateEntities never leaves a partial entity, at any length', () => {
    const escaped = escapeSlack('a<b>&c&&'.repeat(40));
    for (let max = 14; max < escaped.length; max++) {
      const out = truncateEntities(escaped, max);
      expect(out.length).toBeLessThanOrEqual(max);
      expect(out.endsWith(TRUNCATION_MARKER)).toBe(true);
      expect(out.replace(/&(amp|lt|gt);/g, '')).not.toMatch(/[&<>]/);
    }
  });
});
