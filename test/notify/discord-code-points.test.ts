// Discord counts its limits in code points (its API is Python, discord/discord-api-docs#1315): an alert of emoji was cut
// at half the length Discord allows, counted in UTF-16 units, where each emoji is two.
import { describe, expect, it } from 'vitest';
import { createNotifier } from '../../src/notify/dispatcher.js';
import { discordPayload, DISCORD_LIMITS } from '../../src/notify/discord.js';
import { formatNotification } from '../../src/notify/format.js';
import { systemClock } from '../../src/platform/clock.js';
import { Redactor } from '../../src/observe/redact.js';
import { config, DISCORD_TOKEN, event, receiverPerTest } from './helpers.js';

const LONE_HALF = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const codePoints = (s: string): number => Array.from(s).length;

describe('Discord limits counted in code points', () => {
  const h = receiverPerTest();

  it('an alert of 3000 emoji (3000 code points, 6000 UTF-16 units) arrives whole in the 4096-character description', async () => {
    const n = createNotifier(config([{ type: 'discord', url: `${h.receiver.base}/discord/1234567890/${DISCORD_TOKEN}` }]), { stateDir: h.stateDir, clock: systemClock(), redactor: new Redactor() });
    h.notifiers.push(n);
    const message = '🔥'.repeat(3000);
    n.publish(event({ message }));
    await h.receiver.waitFor(() => h.receiver.accepted.length >= 1, 10_000, 'the alert');
    expect(h.receiver.rejected).toEqual([]);
    const desc = (h.receiver.accepted[0]!.json as { embeds: Array<{ description: string }> }).embeds[0]!.description;
    // Before: cut at 2041 emoji ("… [truncated]"), 4096 UTF-16 units.
    expect(desc).not.toContain('truncated');
    expect(desc).toContain(message);
  });

  it('a longer one is cut at Discord\'s 4096 code points, never inside a pair, and accepted', async () => {
    const n = createNotifier(config([{ type: 'discord', url: `${h.receiver.base}/discord/1234567890/${DISCORD_TOKEN}` }]), { stateDir: h.stateDir, clock: systemClock(), redactor: new Redactor() });
    h.notifiers.push(n);
    n.publish(event({ message: '🔥'.repeat(9000) }));
    await h.receiver.waitFor(() => h.receiver.accepted.length >= 1, 10_000, 'the alert');
    expect(h.receiver.rejected).toEqual([]);
    const embed = (h.receiver.accepted[0]!.json as { embeds: Array<{ description: string }> }).embeds[0]!;
    expect(embed.description).toContain('truncated');
    expect(LONE_HALF.test(embed.description)).toBe(false);
    expect(codePoints(embed.description)).toBeLessThanOrEqual(DISCORD_LIMITS.description);
    expect(codePoints(embed.description)).toBeGreaterThan(DISCORD_LIMITS.description - 50);
  });

  it('a title of emoji keeps 256 code points (128 before)', () => {
    const n = formatNotification(event({ service: '🚀'.repeat(400), message: 'x' }), { kind: 'event', now: Date.now(), host: 'h' });
    const title = discordPayload({ username: 'Clawback' }, { ...n, title: '🚀'.repeat(400) }).embeds![0]!.title!;
    expect(codePoints(title)).toBeLessThanOrEqual(256);
    expect(codePoints(title)).toBeGreaterThan(240);
  });
});
