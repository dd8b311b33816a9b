// The notify: config section: defaults, names, and URL rules with the field path in the error.
import { describe, expect, it } from 'vitest';
import { notifySchema } from '../../src/notify/notify-schema.js';
import { notifySecrets } from '../../src/notify/notify-secrets.js';

function issues(input: unknown): Array<{ path: PropertyKey[]; message: string }> {
  const r = notifySchema.safeParse(input);
  if (r.success) return [];
  return r.error.issues.map((i) => ({ path: i.path, message: i.message }));
}

describe('notifySchema', () => {
  it('fills defaults', () => {
    const c = notifySchema.parse({});
    expect(c).toMatchObject({
      channels: [],
      dedupWindow: 300_000,
      reminderInterval: 3_600_000,
      timeout: 10_000,
      maxAttempts: 8,
      outboxMaxAge: 7 * 86_400_000,
      backoff: { initial: 1000, max: 300_000 },
    });
  });

  it('parses durations and channel defaults', () => {
    const c = notifySchema.parse({
      dedupWindow: '30s',
      reminderInterval: 0,
      channels: [{ type: 'telegram', botToken: '123456:ABCdef_ghi', chatId: 42 }, { type: 'ntfy', topic: 'ops' }],
    });
    expect(c.dedupWindow).toBe(30_000);
    expect(c.reminderInterval).toBe(0);
    expect(c.channels[0]).toMatchObject({ name: 'telegram', chatId: '42', parseMode: 'HTML', apiBase: 'https://api.telegram.org', minSeverity: 'info' });
    expect(c.channels[1]).toMatchObject({ name: 'ntfy', server: 'https://ntfy.sh' });
  });

  it('rejects http to a non-loopback host, naming the field and hiding the secret path', () => {
    const found = issues({ channels: [{ type: 'discord', url: 'https://discord.com/api/webhooks/1/ok' }, { type: 'slack', url: 'http://hooks.example.com/services/SECRETPART' }] });
    expect(found).toHaveLength(1);
    expect(found[0]!.path).toEqual(['channels', 1, 'url']);
    expect(found[0]!.message).toMatch(/must use https/);
    expect(found[0]!.message).not.toContain('SECRETPART');
  });

  it('allows http on loopback only', () => {
    for (const url of ['http://127.0.0.1:9/x', 'http://127.5.6.7/x', 'http://localhost:8080/x', 'http://[::1]:80/x']) {
      expect(issues({ channels: [{ type: 'webhook', url }] }), url).toEqual([]);
    }
    for (const url of ['http://10.0.0.1/x', 'http://128.0.0.1/x', 'ftp://127.0.0.1/x', 'not a url']) {
      expect(issues({ channels: [{ type: 'webhook', url }] })[0]?.path, url).toEqual(['channels', 0, 'url']);
    }
    expect(issues({ channels: [{ type: 'ntfy', topic: 't', server: 'http://ntfy.example.com' }] })[0]?.path).toEqual(['channels', 0, 'server']);
    expect(issues({ channels: [{ type: 'telegram', botToken: '1:abcdefgh', chatId: 1, apiBase: 'http://api.example.com' }] })[0]?.path).toEqual([
      'channels',
      0,
      'apiBase',
    ]);
  });

  it('names channels and rejects duplicates', () => {
    const c = notifySchema.parse({ channels: [{ type: 'ntfy', topic: 'a' }, { type: 'ntfy', topic: 'b' }, { type: 'slack', url: 'https://x.test/y' }] });
    expect(c.channels.map((ch) => ch.name)).toEqual(['ntfy-1', 'ntfy-2', 'slack']);
    const dup = issues({ channels: [{ type: 'ntfy', topic: 'a', name: 'ops' }, { type: 'ntfy', topic: 'b', name: 'ops' }] });
    expect(dup[0]!.path).toEqual(['channels', 1, 'name']);
  });

  it('checks event names, severities and unknown keys', () => {
    expect(issues({ channels: [{ type: 'ntfy', topic: 'a', events: ['incident.opened', 'incident.*'] }] })).toEqual([]);
    expect(issues({ channels: [{ type: 'ntfy', topic: 'a', events: ['incident.nope'] }] })[0]!.path).toEqual(['channels', 0, 'events', 0]);
    expect(issues({ channels: [{ type: 'ntfy', topic: 'a', minSeverity: 'resolved' }] })[0]!.path).toEqual(['channels', 0, 'minSeverity']);
    expect(issues({ channels: [{ type: 'slack', url: 'https://x.test/y', webhookUrl: 'z' }] })).toHaveLength(1);
    expect(issues({ channels: [{ type: 'pager', url: 'https://x.test' }] })[0]!.path).toEqual(['channels', 0, 'type']);
  });

  it('lists the secrets for the redactor', () => {
    const c = notifySchema.parse({
      channels: [
        { type: 'discord', url: 'https://discord.com/api/webhooks/123/tok_abcdefghijklmnopqrstuvwxyz' },
        { type: 'telegram', botToken: '123456:ABCdefghijklmnop', chatId: 1 },
        { type: 'webhook', url: 'https://example.com/hook?key=querysecret1', headers: { Authorization: 'Bearer hdr-secret-123' } },
        { type: 'ntfy', topic: 't', token: 'tk_ntfy_secret' },
      ],
    });
    const s = notifySecrets(c);
    expect(s).toEqual(
      expect.arrayContaining([
        'https://discord.com/api/webhooks/123/tok_abcdefghijklmnopqrstuvwxyz',
        'tok_abcdefghijklmnopqrstuvwxyz',
        '123456:ABCdefghijklmnop',
        'querysecret1',
        'Bearer hdr-secret-123',
        'hdr-secret-123',
        'tk_ntfy_secret',
      ]),
    );
  });
});
