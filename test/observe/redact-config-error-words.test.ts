// A config error about a secret-named field must still say what was expected once the daemon's redactor has read it.
import path from 'node:path';
import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { Redactor, REDACTED } from '../../src/observe/redact.js';
import { FIXTURES, NODE, markServices, startTestDaemon } from '../helpers/daemon.js';

const SLEEPER = path.join(FIXTURES, 'sleeper.mjs');

describe('config errors through the redactor', () => {
  it.each([
    'notify.channels[0].botToken: expected string, received number (value not shown: it may hold a secret)',
    'services[0].env.API_TOKEN: Invalid input: expected string, received number',
    'notify.channels[0].password: must not be empty',
    'Authorization: Basic [REDACTED]',
  ])('keep their words: %s', (line) => {
    expect(new Redactor().redact(line)).toBe(line);
  });

  it('a value after a secret key is still removed, a word of a message only when it stands alone', () => {
    const r = new Redactor();
    expect(r.redact('password: expectedly-s3cret next')).toBe(`password: ${REDACTED} next`);
    expect(r.redact('token=expected-abc1')).toBe(`token=${REDACTED}`);
    expect(r.redact('api_key=hunter22 next')).toBe(`api_key=${REDACTED} next`);
    // A secret that is such a word is still removed when it is known.
    expect(new Redactor(['expected']).redact('token=expected')).toBe(`token=${REDACTED}`);
  });

  it('a refused reload says what was expected, in its reply and in the journal', async () => {
    const td = await startTestDaemon({ services: [{ name: 'a', command: [NODE, SLEEPER] }] });
    try {
      writeFileSync(
        td.configFile,
        YAML.stringify({ ...markServices({ services: [{ name: 'a', command: [NODE, SLEEPER] }] }), notify: { channels: [{ type: 'telegram', botToken: 12345, chatId: '42' }] } }),
      );
      const r = await td.daemon.command('/api/reload', new URLSearchParams({ by: 'test' }));
      expect(r?.status).toBe(400);
      expect(String(r?.body.message)).toContain('notify.channels[0].botToken: expected string');
      const failed = td.journal().find((e) => e.type === 'config.reload-failed');
      expect(failed?.message).toContain('notify.channels[0].botToken: expected string');
      expect(failed?.message).not.toContain(REDACTED);
    } finally {
      await td.stop();
    }
  }, 60_000);
});
