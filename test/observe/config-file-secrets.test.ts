// Which keys of a service's own config name a secret: the token, not the settings that merely mention one.
import { describe, expect, it } from 'vitest';
import { isSecretKey, learnConfigSecrets } from '../../src/observe/config-file-secrets.js';
import { Redactor } from '../../src/observe/redact.js';

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
});
