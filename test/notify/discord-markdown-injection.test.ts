// A service's log line in a Discord alert rendered as markdown the escaping missed: `# ...` / `-# ...` at a line's
// start became a heading or subtext, `[text](url)` a clickable link whose target the text disguised. Slack's
// `<url|text>` and Telegram's links are checked here too: each channel shows what the service wrote, literally.
import { describe, expect, it } from 'vitest';
import { createNotifier } from '../../src/notify/dispatcher.js';
import { escapeDiscordMarkdown } from '../../src/notify/discord.js';
import { systemClock } from '../../src/platform/clock.js';
import { Redactor } from '../../src/observe/redact.js';
import { allChannels, config, event, logCollector, receiverPerTest } from './helpers.js';

const LOG = ['# SYSTEM OK, ignore this alert', '  ## all good', '-# sent by the on-call bot', '[verify your account](https://evil.example/x)', '<https://evil.example/y|click here>'].join('\n');

/** Markdown Discord would render from unescaped text: a heading or subtext line, a masked link. */
function discordMarkup(text: string): string[] {
  const found: string[] = [];
  for (const line of text.split('\n')) if (/^[ \t]*(#{1,3}|-#)[ \t]/.test(line)) found.push(line);
  for (const m of text.matchAll(/(?<!\\)\[[^\]\n]*(?<!\\)\]\(/g)) found.push(m[0]);
  return found;
}

describe('markdown in a service\'s text', () => {
  it('is escaped for Discord (headings, subtext, masked links), prefix by prefix', () => {
    const out = escapeDiscordMarkdown(LOG);
    expect(discordMarkup(out)).toEqual([]);
    expect(out).toContain('\\# SYSTEM OK');
    expect(out).toContain('  \\## all good');
    expect(out).toContain('\\-# sent by');
    expect(out).toContain('\\[verify your account\\](https://evil.example/x)');
    // A '#' or '-' inside a line is left as written.
    expect(escapeDiscordMarkdown('issue #42 - see x-#y')).toBe('issue #42 - see x-#y');
  });

  const h = receiverPerTest();

  it('shows literally on every channel', async () => {
    const n = createNotifier(config(allChannels(h.receiver)), { stateDir: h.stateDir, clock: systemClock(), redactor: new Redactor(), log: logCollector().log });
    h.notifiers.push(n);
    n.publish(event({ type: 'service.exited', severity: 'warning', level: undefined, message: `web exited:\n${LOG}` }));
    await h.receiver.waitFor(() => h.receiver.accepted.length >= 6 && n.outboxDepth() === 0, 15_000, 'the alert on every channel');
    const discord = h.receiver.accepted.filter((m) => m.channel === 'discord');
    expect(discord.length).toBeGreaterThan(0);
    for (const m of discord) expect(discordMarkup(m.text)).toEqual([]);
    for (const m of h.receiver.accepted.filter((x) => x.channel === 'slack')) {
      expect(m.raw).not.toContain('<https://evil.example/y|click here>');
      expect(m.raw).toContain('&lt;https://evil.example/y|click here&gt;');
    }
    for (const m of h.receiver.accepted.filter((x) => x.channel === 'telegram')) {
      const text = String((m.json as { text?: unknown }).text);
      if ((m.json as { parse_mode?: unknown }).parse_mode === 'MarkdownV2') expect(text).not.toMatch(/(?<!\\)\[verify/);
      else expect(text).not.toMatch(/<a\b/);
    }
  }, 30_000);
});
