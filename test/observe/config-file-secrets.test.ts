// Which keys of a service's own config name a secret: the token, not the settings that merely mention one.
import { describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { isSecretKey, learnConfigFileSecrets, learnConfigSecrets } from '../../src/observe/config-file-secrets.js';
import { Redactor } from '../../src/observe/redact.js';
import { tempDir } from '../helpers/daemon.js';

describe('config file secrets', () => {
  it('takes tokens, keys, passwords and webhook URLs, not the settings named after them', () => {
    for (const k of ['token', 'botToken', 'apiKey', 'api_key', 'password', 'clientSecret', 'webhookUrl', 'privateKey', 'credentials', 'webhook', 'discordWebhook', 'authorization']) {
      expect(isSecretKey(k), k).toBe(true);
    }
    for (const k of ['tokenizer', 'maxTokens', 'tokenMode', 'passwordFile', 'webhookPath', 'maxTokensField', 'apiKeySupported', 'mode', 'port']) {
      expect(isSecretKey(k), k).toBe(false);
    }
  });

  it('registers the values at any depth, except flags and numbers a setting names', () => {
    const r = new Redactor();
    learnConfigSecrets(
      {
        gateway: { auth: { mode: 'token', token: 'gw-0123456789abcdef' }, tokenTtl: '3600' },
        models: { providers: { openai: { apiKey: 'prov-key-abcdef123456' } } },
        agents: { tokenizer: 'cl100k_base' },
        channels: [{ botToken: 'bot-9876543210fedcba', requireToken: 'true' }],
      },
      r,
    );
    const text = r.redact('gw-0123456789abcdef prov-key-abcdef123456 bot-9876543210fedcba cl100k_base 3600 true token');
    expect(text).toBe('[REDACTED] [REDACTED] [REDACTED] cl100k_base 3600 true token');
  });

  it("a secret field holding an env placeholder teaches the variable's value from the service's env, whatever its name", async () => {
    const dir = tempDir();
    const file = path.join(dir, 'openclaw.json');
    writeFileSync(file, JSON.stringify({ gateway: { auth: { mode: 'token', token: '${OC_GW_VALUE}' } }, channels: { discord: { token: 'Bot ${DISCORD_BOT}' } }, ui: { title: '${TITLE}' } }));
    const r = new Redactor();
    await learnConfigFileSecrets(
      { configFile: { path: file, format: 'json' }, env: { OC_GW_VALUE: 'gw-from-env-0123456789', DISCORD_BOT: 'dc-from-env.abc.0123456789', TITLE: 'Home gateway' }, inheritEnv: false },
      r,
    );
    // The service prints the values it was given, never the placeholders; a non-secret field's variable is left alone.
    expect(r.redact('auth gw-from-env-0123456789 discord dc-from-env.abc.0123456789 title Home gateway')).toBe('auth [REDACTED] discord [REDACTED] title Home gateway');
  });
});

