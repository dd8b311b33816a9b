// An endpoint that refuses an alert as too large (413, a 400 "too long") gets it once more, shortened, before it is parked.
import { readFile } from 'node:fs/promises';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { createNotifier } from '../../src/notify/dispatcher.js';
import { shortenText } from '../../src/notify/shorten.js';
import { systemClock } from '../../src/platform/clock.js';
import { Redactor } from '../../src/observe/redact.js';
import type { Receiver } from './receiver.js';
import { BOT_TOKEN, config, event, logCollector, receiverPerTest } from './helpers.js';

/** A 30,000-character message of emoji (surrogate pairs) and 16 log strings of 8,000 characters: ~160 kB of JSON. */
function bigEvent(): ReturnType<typeof event> {
  const details: Record<string, unknown> = {};
  for (let i = 0; i < 16; i++) details[`output${i}`] = `line ${i} `.padEnd(8000, 'x');
  return event({ type: 'incident.escalated', level: 4, message: `gateway needs a human ${'🚨'.repeat(15_000)}`, details });
}

describe('an alert refused as too large', () => {
  const h = receiverPerTest();
  let receiver: Receiver;
  beforeEach(() => {
    receiver = h.receiver;
  });

  it('webhook 413 (Express body-parser default, 100 kB): sent once more shortened, marked, whole on a code point', async () => {
    receiver.webhookMaxBytes = 100 * 1024;
    const logs = logCollector();
    const n = createNotifier(config([{ type: 'webhook', url: `${receiver.base}/webhook/hook-1` }]), {
      stateDir: h.stateDir,
      clock: systemClock(),
      redactor: new Redactor(),
      log: logs.log,
    });
    h.notifiers.push(n);
    const e = bigEvent();
    n.publish(e);
    // Before the fix: 413, parked as a dead letter at once, never delivered.
    await receiver.waitFor(() => receiver.accepted.length === 1 || n.deadLetters()['webhook'] === 1, 20_000, 'the page or its refusal');
    expect(n.deadLetters()).toEqual({ webhook: 0 });
    expect(receiver.requests.map((r) => r.status)).toEqual([413, 200]);
    const body = receiver.accepted[0]!.json as { message: string; details: Record<string, string> };
    expect(receiver.accepted[0]!.raw.length).toBeLessThan(100 * 1024);
    expect(body.message.startsWith('gateway needs a human 🚨')).toBe(true);
    expect(body.message.length).toBeLessThanOrEqual(1000);
    // How much was left out, in characters (code points) of the message as it was published.
    const total = Array.from(e.message).length;
    const m = / … \[truncated, (\d+) chars\]$/.exec(body.message);
    expect(m).not.toBeNull();
    expect(Array.from(body.message.slice(0, m!.index)).length + Number(m![1])).toBe(total);
    expect(body.details['output3']!.startsWith('line 3 ')).toBe(true);
    expect(body.details['output3']!).toMatch(/\[truncated, \d+ chars\]$/);
    // The published event (what the journal holds) is untouched.
    expect(e.message.length).toBe(22 + 30_000);
    expect(logs.lines.some((l) => l.includes('refused the message as too large'))).toBe(true);
  }, 30_000);

  it('still refused when shortened: parked as a dead letter after exactly one shortened try, the full text kept on disk', async () => {
    receiver.webhookMaxBytes = 2000;
    const n = createNotifier(config([{ type: 'webhook', url: `${receiver.base}/webhook/hook-1` }]), {
      stateDir: h.stateDir,
      clock: systemClock(),
      redactor: new Redactor(),
    });
    h.notifiers.push(n);
    const e = bigEvent();
    n.publish(e);
    await receiver.waitFor(() => n.deadLetters()['webhook'] === 1, 20_000, 'the dead letter');
    expect(receiver.requests.map((r) => r.status)).toEqual([413, 413]);
    expect(receiver.accepted).toHaveLength(0);
    const deadDir = path.join(h.stateDir, 'outbox', 'webhook', 'dead');
    // Counted as dead as soon as the worker decides; its file reaches dead/ on the (atomic, fsynced) write right after.
    const deadFiles = (): string[] => (existsSync(deadDir) ? readdirSync(deadDir).filter((f) => f.endsWith('.json')) : []);
    await receiver.waitFor(() => deadFiles().length === 1, 10_000, 'the dead letter on disk');
    const files = deadFiles();
    expect(files).toHaveLength(1);
    const kept = JSON.parse(await readFile(path.join(deadDir, files[0]!), 'utf8')) as { event: { message: string }; dead: { reason: string } };
    expect(kept.event.message).toBe(e.message);
    expect(kept.dead.reason).toContain('HTTP 413');
    expect(kept.dead.reason).toContain('refused even shortened');
  }, 30_000);

  it('telegram 400 "message is too long": sent once more shortened instead of parked', async () => {
    const n = createNotifier(config([{ type: 'telegram', botToken: BOT_TOKEN, chatId: -1001234, apiBase: `${receiver.base}/telegram` }]), {
      stateDir: h.stateDir,
      clock: systemClock(),
      redactor: new Redactor(),
    });
    h.notifiers.push(n);
    receiver.script(1, 400, { body: JSON.stringify({ ok: false, error_code: 400, description: 'Bad Request: message is too long' }) });
    n.publish(bigEvent());
    await receiver.waitFor(() => receiver.accepted.length === 1 || n.deadLetters()['telegram'] === 1, 20_000, 'the page or its refusal');
    expect(n.deadLetters()).toEqual({ telegram: 0 });
    expect(receiver.requests.map((r) => r.status)).toEqual([400, 200]);
    expect(receiver.accepted[0]!.text).toContain('gateway needs a human');
    expect(receiver.accepted[0]!.text).toMatch(/\[truncated, \d+ chars\]/);
  }, 30_000);

  it('an ordinary 400 is not taken for "too large": parked after one try', async () => {
    const n = createNotifier(config([{ type: 'webhook', url: `${receiver.base}/webhook/hook-1` }]), {
      stateDir: h.stateDir,
      clock: systemClock(),
      redactor: new Redactor(),
    });
    h.notifiers.push(n);
    receiver.script(5, 400, { body: 'invalid token' });
    n.publish(event());
    await receiver.waitFor(() => n.deadLetters()['webhook'] === 1, 20_000, 'the dead letter');
    expect(receiver.requests.map((r) => r.status)).toEqual([400]);
  }, 30_000);
});

describe('shortenText', () => {
  it('cuts at a code point boundary and counts what it left out', () => {
    const text = '🚨'.repeat(100);
    for (let max = 30; max < 60; max++) {
      const out = shortenText(text, max);
      expect(out.length).toBeLessThanOrEqual(max);
      expect(out).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])/);
      const m = / … \[truncated, (\d+) chars\]$/.exec(out)!;
      expect(Array.from(out.slice(0, m.index)).length + Number(m[1])).toBe(100);
    }
    expect(shortenText('short', 10)).toBe('short');
  });
});
