// A key whose last word is `key` (`stripeKey`, `OPENAI_KEY`) is a secret by its value, not its name: OpenClaw's own
// `sessionKey`, `providerKey`, `modelKey` are names a person and the Level 3 agent need to read.
import { describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { learnConfigFileSecrets } from '../../src/observe/config-file-secrets.js';
import { Redactor, REDACTED } from '../../src/observe/redact.js';
import { tempDir } from '../helpers/daemon.js';

const STRIPE = 'sk_live_51Habcdefghijklmnopqrstuv';
const OPENAI = 'Zq7rT2mXw9LpA4vB8nC3dE6f';
const SLACK = 'T0001B0002abcdefghij12345';

/** [text, the part that must be gone] */
const REDACTED_LINES: Array<[string, string]> = [
  [`stripeKey=${STRIPE}`, STRIPE],
  [`OPENAI_KEY=${OPENAI}`, OPENAI],
  [`"slackWebhookKey": "${SLACK}"`, SLACK],
  [`X-Stripe-Key: ${OPENAI}`, OPENAI],
  [`config {\\"mistralKey\\":\\"${OPENAI}\\"}`, OPENAI],
  ['anthropicKey=sk-ant-abc1', 'sk-ant-abc1'],
];

/** Lines shown as written. */
const KEPT_LINES = [
  'sessionKey=agent:main:discord:123',
  'providerKey=openai',
  'modelKey=anthropic/claude-x',
  '"channelKey": "discord"',
  'workspaceKey=/home/bob/.openclaw/workspace',
  'storeKey=agent:main:main scopeKey=global ownerKey=bob',
  'skillKey=weather-lookup projectKey=my-project',
  'monkey=abcdefghij1234567890',
];

describe('keys whose last word is key', () => {
  for (const [line, secret] of REDACTED_LINES) {
    it(`redacts a credential: ${line}`, () => {
      const out = new Redactor().redact(line);
      expect(out).not.toContain(secret);
      expect(out).toContain(REDACTED);
    });
  }
  for (const line of KEPT_LINES) {
    it(`keeps a name: ${line}`, () => {
      expect(new Redactor().redact(line)).toBe(line);
    });
  }

  it('in object details: by the value under the key', () => {
    const r = new Redactor();
    expect(r.redactDeep({ stripeKey: STRIPE, OPENAI_KEY: OPENAI, sessionKey: 'agent:main:discord:123', providerKey: 'openai', modelKey: 'anthropic/claude-x', canonicalKey: 'main' })).toEqual({
      stripeKey: REDACTED,
      OPENAI_KEY: REDACTED,
      sessionKey: 'agent:main:discord:123',
      providerKey: 'openai',
      modelKey: 'anthropic/claude-x',
      canonicalKey: 'main',
    });
  });

  it("a service's config file teaches the credential, not OpenClaw's names", async () => {
    const file = path.join(tempDir(), 'openclaw.json');
    writeFileSync(file, JSON.stringify({ billing: { mistralKey: OPENAI }, routing: { providerKey: 'openai', sessionKey: 'agent:main:main', modelKey: 'anthropic/claude-x' } }));
    const r = new Redactor();
    await learnConfigFileSecrets({ configFile: { path: file, format: 'json' }, inheritEnv: false }, r);
    expect(r.redact(`charging with ${OPENAI}; provider openai, session agent:main:main, model anthropic/claude-x`)).toBe(
      `charging with ${REDACTED}; provider openai, session agent:main:main, model anthropic/claude-x`,
    );
  });

  it("the environment teaches OPENAI_KEY's value, not PROVIDER_KEY=openai", () => {
    const r = new Redactor();
    r.addSecretEnv({ OPENAI_KEY: OPENAI, PROVIDER_KEY: 'openai', SESSION_KEY: 'agent:main:main' });
    expect(r.redact(`using openai on agent:main:main with ${OPENAI}`)).toBe(`using openai on agent:main:main with ${REDACTED}`);
  });

  it('a 256 KiB line of key-like words is redacted in bounded time', () => {
    for (const unit of ['aKey=', 'A_KEY:', 'xKey', 'k-Key="']) {
      const line = unit.repeat(Math.ceil((256 * 1024) / unit.length));
      const t0 = performance.now();
      new Redactor().redact(line);
      expect(performance.now() - t0, unit).toBeLessThan(5_000);
    }
  }, 120_000);
});
