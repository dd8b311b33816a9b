// The README showed `botToken: ${TELEGRAM_BOT_TOKEN}`, but the config is read as written: validate then said only
// "expected a bot token (value not shown: it is a secret)" about a value that was no secret and no token.
import { describe, expect, it } from 'vitest';
import { configProblems } from '../helpers/config-problems.js';

const problems = configProblems;

describe('a ${VARIABLE} placeholder in the config', () => {
  it('is named as not expanded where it made a field invalid (the README\'s old Telegram example, a port)', () => {
    const text = [
      'services: [{ name: gw, command: [node, server.js], port: "${PORT}" }]',
      'notify:',
      '  channels:',
      '    - type: telegram',
      '      botToken: ${TELEGRAM_BOT_TOKEN}',
      '      chatId: "123456789"',
      '',
    ].join('\n');
    const out = problems(text);
    expect(out).toContain('notify.channels[0].botToken: expected a bot token');
    expect(out).toContain('environment variables are not expanded here (${TELEGRAM_BOT_TOKEN} is taken as written): put the value itself');
    expect(out).toContain('services[0].port: expected number, received string; environment variables are not expanded here (${PORT}');
  });

  it('never echoes part of a secret that merely contains "$"', () => {
    const out = problems('services: [{ name: gw, command: [node, s.js] }]\nnotify: { channels: [{ type: telegram, botToken: "12345:ab${cd}ef!", chatId: 1 }] }\n');
    expect(out).toContain('botToken');
    expect(out).not.toContain('ab$');
    expect(out).not.toContain('not expanded');
  });
});
