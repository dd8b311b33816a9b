// Pure pieces of the notifier: formatting, escaping, truncation, filters, dedup, retry decisions.
import { describe, expect, it } from 'vitest';
import { formatNotification, formatUtc, headline, levelLabel } from '../../src/notify/format.js';
import { TRUNCATION_MARKER, shareBudget, truncateEscaped, truncateText, truncateUtf8 } from '../../src/notify/truncate.js';
import { escapeMarkdownV2, escapeTelegramHtml, telegramText } from '../../src/notify/telegram.js';
import { discordPayload, fitDiscordPayload, DISCORD_COLORS } from '../../src/notify/discord.js';
import { slackPayload } from '../../src/notify/slack.js';
import { encodeHeaderValue, ntfyBody } from '../../src/notify/ntfy.js';
import { webhookBody } from '../../src/notify/webhook.js';
import { channelAccepts } from '../../src/notify/filter.js';
import { DedupWindow } from '../../src/notify/dedup.js';
import { classifyAnswer, parseRetryAfter, retryDelay } from '../../src/notify/delivery-outcome.js';
import { telegramHtmlError, telegramMarkdownV2Error } from './receiver.js';
import type { ClawbackEvent } from '../../src/observe/events.js';

const T0 = 1_700_000_000_000;
const base: ClawbackEvent = {
  type: 'incident.escalated',
  time: T0,
  severity: 'critical',
  message: 'doctor could not repair gateway',
  service: 'gateway',
  incidentId: 'inc-42',
  level: 3,
};

describe('formatNotification', () => {
  it('names service, level, event and incident', () => {
    const n = formatNotification(base, { kind: 'event', now: T0 + 1000, host: 'box' });
    expect(n.title).toBe('🔴 gateway: Incident escalated · level 3 (emergency)');
    expect(n.fields).toEqual([
      { name: 'Service', value: 'gateway' },
      { name: 'Level', value: '3 (emergency)' },
      { name: 'Event', value: 'incident.escalated' },
      { name: 'Incident', value: 'inc-42' },
    ]);
    expect(n.delayed).toBe(false);
    expect(n.notes).toEqual([]);
  });

  it('reports the time to recover on resolved events', () => {
    const n = formatNotification(
      { ...base, type: 'incident.resolved', severity: 'resolved', details: { ttrMs: 63_000 } },
      { kind: 'event', now: T0, host: 'box' },
    );
    expect(n.title.startsWith('🟢')).toBe(true);
    expect(n.notes).toContain('Recovered in 1m03s.');
    expect(n.fields).toContainEqual({ name: 'Time to recover', value: '1m03s' });
  });

  it('marks messages sent more than a minute late, with the event time', () => {
    const n = formatNotification(base, { kind: 'event', now: T0 + 120_000, host: 'box' });
    expect(n.delayed).toBe(true);
    expect(n.notes).toContain(`(delayed, event at ${formatUtc(T0)})`);
    expect(formatUtc(T0)).toBe('22:13:20 UTC');
  });

  it('reminders say how long the incident has been open', () => {
    const n = formatNotification({ ...base, time: T0 + 7_200_000 }, { kind: 'reminder', now: T0 + 7_200_000, host: 'box', openedAt: T0 });
    expect(n.title).toContain('Reminder: gateway');
    expect(n.notes).toContain('Incident still open after 2h0m.');
  });

  it('separates the log excerpt and scalar details', () => {
    const n = formatNotification({ ...base, details: { exitCode: 1, signal: 'SIGKILL', logExcerpt: ['a', 'b'] } }, { kind: 'event', now: T0, host: 'h' });
    expect(n.excerpt).toBe('a\nb');
    expect(n.detailLines).toEqual(['exitCode: 1', 'signal: SIGKILL']);
  });

  it('has names for every level and a fallback headline', () => {
    expect([0, 1, 2, 3, 4].map((l) => levelLabel(l as 0))).toEqual(['0 (keep-alive)', '1 (watchdog)', '2 (doctor)', '3 (emergency)', '4 (human)']);
    expect(headline('service.restart-scheduled')).toBe('Restart scheduled');
  });

  it('names housekeeping by what it did: only a removal is "Old evidence removed"', () => {
    expect(headline('daemon.housekeeping', { removed: ['snapshots/a'] })).toBe('Old evidence removed');
    expect(headline('daemon.housekeeping', { writesTo: '/srv/gw-moved.log' })).toBe('Service log moved: output not captured');
    expect(headline('daemon.housekeeping', { dropped: 3, droppedByType: { unreadable: 3 } })).toBe('Queued events dropped');
    expect(headline('daemon.housekeeping', { error: 'EACCES' })).toBe('Clean-up failed');
  });
});

describe('truncation', () => {
  it('keeps short text and cuts long text with the marker', () => {
    expect(truncateText('abc', 10)).toBe('abc');
    const cut = truncateText('x'.repeat(100), 50);
    expect(cut.length).toBeLessThanOrEqual(50);
    expect(cut.endsWith(TRUNCATION_MARKER)).toBe(true);
  });

  it('never splits a surrogate pair', () => {
    const cut = truncateText('😀'.repeat(50), 30);
    expect(cut.length).toBeLessThanOrEqual(30);
    expect(/[\ud800-\udbff](?![\udc00-\udfff])/.test(cut)).toBe(false);
  });

  it('never splits an HTML entity or a MarkdownV2 escape', () => {
    for (let max = 20; max < 60; max++) {
      const html = truncateEscaped('<&>'.repeat(40), escapeTelegramHtml, max);
      expect(html.length).toBeLessThanOrEqual(max);
      expect(telegramHtmlError(html)).toBeNull();
      const md = truncateEscaped('a.b!c_'.repeat(40), escapeMarkdownV2, max);
      expect(md.length).toBeLessThanOrEqual(max);
      expect(telegramMarkdownV2Error(md)).toBeNull();
    }
  });

  it('counts UTF-8 bytes for ntfy', () => {
    const cut = truncateUtf8('é'.repeat(5000), 4096);
    expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(4096);
    expect(cut.endsWith(TRUNCATION_MARKER)).toBe(true);
  });

  it('shares a budget in priority order with a reserve for later parts', () => {
    expect(shareBudget(100, [30, 30], 10)).toEqual([30, 30]);
    expect(shareBudget(100, [500, 500], 10)).toEqual([90, 10]);
    expect(shareBudget(100, [500, 5], 10)).toEqual([95, 5]);
  });
});

describe('channel payloads (pure)', () => {
  const huge = formatNotification(
    { ...base, service: 's'.repeat(400), message: 'm*_<&>'.repeat(2000), details: { logExcerpt: '```\n'.repeat(3000), k: 'v'.repeat(5000) } },
    { kind: 'event', now: T0, host: 'h'.repeat(3000) },
  );

  it('discord fits every limit and colours by severity', () => {
    const p = discordPayload({ username: 'Clawback' }, huge);
    const e = p.embeds![0]!;
    // Discord counts code points (the title's severity emoji is one there, two UTF-16 units here).
    const cp = (s: string): number => Array.from(s).length;
    expect(cp(e.title!)).toBeLessThanOrEqual(256);
    expect(cp(e.description!)).toBeLessThanOrEqual(4096);
    expect(e.color).toBe(DISCORD_COLORS.critical);
    const total = cp(e.title!) + cp(e.description!) + cp(e.footer!.text) + e.fields!.reduce((s, f) => s + cp(f.name) + cp(f.value), 0);
    expect(total).toBeLessThanOrEqual(6000);
    expect(e.fields!.some((f) => f.value.startsWith('<t:1700000000:F>'))).toBe(true);
    expect(p.allowed_mentions).toEqual({ parse: [] });
  });

  it('fitDiscordPayload enforces embed, field and total limits on any payload', () => {
    const p = fitDiscordPayload({
      content: 'c'.repeat(5000),
      allowed_mentions: { parse: [] },
      embeds: Array.from({ length: 12 }, () => ({
        title: 't'.repeat(300),
        description: 'd'.repeat(5000),
        fields: Array.from({ length: 30 }, () => ({ name: 'n'.repeat(300), value: 'v'.repeat(2000) })),
      })),
    });
    expect(p.content!.length).toBe(2000);
    expect(p.embeds!.length).toBeLessThanOrEqual(10);
    let total = 0;
    for (const e of p.embeds!) {
      expect(e.fields!.length).toBeLessThanOrEqual(25);
      for (const f of e.fields!) {
        expect(f.name.length).toBeLessThanOrEqual(256);
        expect(f.value.length).toBeLessThanOrEqual(1024);
        total += f.name.length + f.value.length;
      }
      total += e.title!.length + (e.description?.length ?? 0);
    }
    expect(total).toBeLessThanOrEqual(6000);
  });

  it('slack, telegram and ntfy stay within limits', () => {
    const s = slackPayload(huge);
    expect(s.text.length).toBeLessThanOrEqual(3000);
    expect(s.blocks.length).toBeLessThanOrEqual(50);
    for (const b of s.blocks) if (b.type === 'section' && b.text) expect(b.text.text.length).toBeLessThanOrEqual(3000);
    for (const mode of ['HTML', 'MarkdownV2'] as const) {
      const t = telegramText(huge, mode);
      expect(t.length).toBeLessThanOrEqual(4096);
      expect(mode === 'HTML' ? telegramHtmlError(t) : telegramMarkdownV2Error(t)).toBeNull();
    }
    expect(Buffer.byteLength(ntfyBody(huge))).toBeLessThanOrEqual(4096);
  });

  it('telegram markup stays valid around runs of backticks (an empty pair never becomes half of a ``` pre opener)', () => {
    // Before: "````" rendered as two empty code spans, "````", which Telegram reads as an unclosed pre block.
    for (const message of ['model replied ```` and stopped', 'a```x` b', 'fence ``` then `code` and ``', '````', '`a````b`']) {
      const n = formatNotification({ type: 'service.exited', time: 0, severity: 'warning', service: 'gw', message }, { kind: 'event', now: 0, host: 'h' });
      const md = telegramText(n, 'MarkdownV2');
      expect(telegramMarkdownV2Error(md), `${message} -> ${md}`).toBeNull();
      expect(telegramHtmlError(telegramText(n, 'HTML')), message).toBeNull();
      // Plain text (the fallback when Telegram refuses the markup anyway) keeps the message as written.
      expect(telegramText(n, 'plain')).toContain(message);
    }
  });

  it('telegram text built from markup-heavy messages, details and excerpts (seeded) is valid and within 4096 in both parse modes', () => {
    // Before: a shortened message got its "… [truncated]" marker after the length check (up to 4107 characters).
    let seed = 1;
    const rnd = (): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x7fffffff;
    };
    const pieces = ['`', '``', '```', '*', '_', '\\', '<', '>', '&', '[', ']', '(', ')', '.', '!', '-', '|', '\n', ' ', 'a', 'bc', '😀', 'é'];
    const rstr = (len: number): string => Array.from({ length: len }, () => pieces[Math.floor(rnd() * pieces.length)]).join('');
    for (let k = 0; k < 400; k++) {
      const message = rstr(Math.floor(rnd() * (rnd() < 0.3 ? 3000 : 200)));
      const n = formatNotification(
        { type: 'incident.escalated', time: 0, severity: 'critical', service: 'gw', incidentId: 'inc-1', level: 4, message, details: { logTail: rstr(Math.floor(rnd() * 2000)), reason: rstr(40), code: 1 } },
        { kind: 'event', now: 0, host: 'h' },
      );
      for (const mode of ['HTML', 'MarkdownV2'] as const) {
        const t = telegramText(n, mode);
        expect(t.length, `${mode} #${k}`).toBeLessThanOrEqual(4096);
        expect(mode === 'HTML' ? telegramHtmlError(t) : telegramMarkdownV2Error(t), `${mode} #${k}`).toBeNull();
      }
    }
  });

  it('ntfy headers are Latin-1 safe (RFC 2047 for the rest)', () => {
    expect(encodeHeaderValue('plain title')).toBe('plain title');
    const enc = encodeHeaderValue('🔴 gateway\nline');
    expect(enc).toMatch(/^=\?UTF-8\?B\?[A-Za-z0-9+/=]+\?=$/);
    expect(Buffer.from(enc.slice(10, -2), 'base64').toString()).toBe('🔴 gateway line');
  });

  it('webhook body is the event plus the version 1 envelope', () => {
    const n = formatNotification(base, { kind: 'event', now: T0 + 61_000, host: 'box' });
    expect(webhookBody(n)).toMatchObject({ version: 1, source: 'clawback', host: 'box', delayed: true, kind: 'event', ...base });
  });
});

describe('filters and dedup', () => {
  it('applies minSeverity, allow-list and exclusions; resolved always passes the floor', () => {
    const f = { minSeverity: 'critical' as const };
    expect(channelAccepts(f, { type: 'probe.failed', severity: 'warning' })).toBe(false);
    expect(channelAccepts(f, { type: 'incident.resolved', severity: 'resolved' })).toBe(true);
    const g = { minSeverity: 'info' as const, events: ['incident.*'], exclude: ['incident.action'] };
    expect(channelAccepts(g, { type: 'incident.opened', severity: 'info' })).toBe(true);
    expect(channelAccepts(g, { type: 'incident.action', severity: 'info' })).toBe(false);
    expect(channelAccepts(g, { type: 'service.exited', severity: 'critical' })).toBe(false);
  });

  it('admits an identical event once per window', () => {
    const d = new DedupWindow(1000);
    expect(d.admit(base, 0)).toBe(true);
    expect(d.admit(base, 500)).toBe(false);
    expect(d.admit({ ...base, message: 'other' }, 500)).toBe(true);
    expect(d.admit(base, 1000)).toBe(true);
  });
});

describe('delivery outcome', () => {
  it('classifies answers', () => {
    expect(classifyAnswer({ status: 204, body: '' }, 0)).toEqual({ kind: 'ok' });
    expect(classifyAnswer({ status: 404, body: 'Unknown Webhook' }, 0).kind).toBe('permanent');
    expect(classifyAnswer({ status: 500, body: '' }, 0)).toMatchObject({ kind: 'retry', counts: true });
    expect(classifyAnswer({ status: 408, body: '' }, 0)).toMatchObject({ kind: 'retry', counts: true });
    expect(classifyAnswer({ status: 429, retryAfterHeader: '2', body: '' }, 0)).toMatchObject({ kind: 'retry', counts: false, afterMs: 2000 });
    expect(classifyAnswer({ status: 429, body: '{"retry_after": 1.5}' }, 0)).toMatchObject({ afterMs: 1500 });
    expect(classifyAnswer({ status: 429, body: '{"ok":false,"parameters":{"retry_after":3}}' }, 0)).toMatchObject({ afterMs: 3000 });
    expect(classifyAnswer({ status: 302, body: '' }, 0).kind).toBe('permanent');
  });

  it('parses Retry-After as seconds or a date', () => {
    expect(parseRetryAfter('1', 0)).toBe(1000);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 4000)).toBe(6000);
    expect(parseRetryAfter('soon', 0)).toBeUndefined();
  });

  it('backs off exponentially with jitter, capped', () => {
    const p = { initialMs: 1000, maxMs: 10_000 };
    expect(retryDelay(1, p, 0.5)).toBe(1000);
    expect(retryDelay(3, p, 0.5)).toBe(4000);
    expect(retryDelay(20, p, 0.99)).toBe(10_000);
    expect(retryDelay(1, p, 0)).toBe(800);
  });
});
