// The redactor recognises every secret shape Clawback meets (chat tokens, webhook URLs, model keys), whatever the env var is called.
import { describe, expect, it } from 'vitest';
import { Redactor, REDACTED } from '../../src/observe/redact.js';

/** [text, the secret part that must disappear, what must stay] */
const CASES: Array<[string, string, string]> = [
  ['tg 110201543:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw done', 'AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw', 'done'], // 34 characters (Telegram's docs)
  ['tg 7123456789:AAGxYzAbCdEfGhIjKlMnOpQrStUvWxYz012 done', 'AAGxYzAbCdEfGhIjKlMnOpQrStUvWxYz012', 'done'], // 35, a 10-digit bot id
  ['tg 987654321:AAzzTelegramSecretTokenABCDEFGHIJKLMN', 'AAzzTelegramSecretTokenABCDEFGHIJKLMN', 'tg '],
  ['POST https://api.telegram.org/bot110201543:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/sendMessage', 'AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw', 'POST'],
  ['hook https://discord.com/api/webhooks/1122/AbCdEfGhIjKl-MnOp_QrSt ok', 'AbCdEfGhIjKl-MnOp_QrSt', 'ok'],
  ['hook https://discord.com/api/v10/webhooks/1122/AbCdEfGhIjKl-MnOp_QrSt ok', 'AbCdEfGhIjKl-MnOp_QrSt', 'ok'],
  ['hook https://canary.discordapp.com/api/webhooks/1122/AbCdEfGhIjKl-MnOp_QrSt', 'AbCdEfGhIjKl-MnOp_QrSt', 'hook'],
  ['hook https://hooks.slack.com/services/T000/B000/XXXXXXXXsecret ok', 'XXXXXXXXsecret', 'ok'],
  ['key sk-proj-Abc123def456ghi789jkl012mno345', 'Abc123def456ghi789jkl012mno345', 'key'],
  ['key sk-ant-api03-ZyXwVuTsRqPoNmLkJiHg', 'ZyXwVuTsRqPoNmLkJiHg', 'key'],
  ['key AIzaSyA-1234567890abcdefghijklmnopqrstu', '1234567890abcdefghijklmnopqrstu', 'key'],
  ['pat github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz', 'abcdefghijklmnopqrstuvwxyz', 'pat'],
  ['OPENCLAW_GATEWAY_TOKEN=gwtok-7f3a9c1e5b2d8f4a6c0e', 'gwtok-7f3a9c1e5b2d8f4a6c0e', 'OPENCLAW_GATEWAY_TOKEN='],
  ['openclaw gateway run --token gwtok-7f3a9c1e5b2d8f4a6c0e --port 18789', 'gwtok-7f3a9c1e5b2d8f4a6c0e', '--port 18789'],
  ['agent --api-key=zz-secret-value-123 go', 'zz-secret-value-123', 'go'],
  ['db https://admin:p4ssw0rd-x@db.local:5432/app', 'p4ssw0rd-x', 'https://admin:'],
  ['Authorization: Bearer abc.def.ghi.jkl', 'abc.def.ghi.jkl', 'Authorization'],
  ['{"botToken":"123:ABC-short"}', '123:ABC-short', 'botToken'],
];

describe('Redactor', () => {
  it.each(CASES)('redacts %s', (text, secret, kept) => {
    const out = new Redactor().redact(text);
    expect(out).not.toContain(secret);
    expect(out).toContain(REDACTED);
    expect(out).toContain(kept);
  });

  it('a redacted text stays the same when redacted again, and ordinary lines are left alone', () => {
    const r = new Redactor();
    for (const [text] of CASES) {
      const once = r.redact(text);
      expect(r.redact(once)).toBe(once);
    }
    for (const plain of ['listening on http://127.0.0.1:18789', 'Error: listen EADDRINUSE: address already in use :::18789', 'exit code 1 after 2s', '--port 8080 --verbose', 'at 2026-11-30T16:40:49.123Z']) {
      expect(r.redact(plain)).toBe(plain);
    }
  });

  it('a quoted secret is redacted to its closing quote, spaces included, and so is one in JSON escaped inside JSON', () => {
    const r = new Redactor();
    // A service that logs an upstream body as a string: its quotes reach the log escaped, once or twice.
    expect(r.redact('{"level":"error","msg":"upstream said {\\"apiKey\\":\\"zz9yy8xx7ww6vv5\\"}"}')).toBe(`{"level":"error","msg":"upstream said {\\"apiKey\\":\\"${REDACTED}\\"}"}`);
    expect(r.redact('{\\\\\\"token\\\\\\": \\\\\\"qwertyuiop123456\\\\\\"}')).toBe(`{\\\\\\"token\\\\\\": \\\\\\"${REDACTED}\\\\\\"}`);
    // A quoted value with spaces: all of it, not its first word.
    expect(r.redact('Error: password="correct horse battery staple" rejected')).toBe(`Error: password="${REDACTED}" rejected`);
    expect(r.redact("login password='my secret' failed")).toBe(`login password='${REDACTED}' failed`);
    // An Authorization scheme other than Bearer/Basic: the credential after it, not the scheme's name alone.
    const token = r.redact('Authorization: Token 9f8e7d6c5b4a39281706f5e4');
    expect(token).not.toContain('9f8e7d6c5b4a39281706f5e4');
    // Settings that merely sit next to such words are not touched.
    for (const plain of ['{"auth":{"mode":"token"},"maxTokens":"4096"}', '{\\"tokenizer\\":\\"cl100k_base\\"}']) expect(r.redact(plain)).toBe(plain);
  });

  it('a URL query parameter that carries a credential is redacted, the other parameters kept', () => {
    const r = new Redactor();
    expect(r.redact('GET http://127.0.0.1:8080/health?x=1&session=Zq9vX2mKp4LrT7wB&verbose=true')).toBe(`GET http://127.0.0.1:8080/health?x=1&session=${REDACTED}&verbose=true`);
    expect(r.redact('https://b.s3.example/o?X-Amz-Credential=AKIDEXAMPLE%2F2026&X-Amz-Signature=fe5f80f77d5fa3beca038a248ff027d0445342fe2855ddc963176630326f1024&X-Amz-Expires=60')).toBe(
      `https://b.s3.example/o?X-Amz-Credential=${REDACTED}&X-Amz-Signature=${REDACTED}&X-Amz-Expires=60`,
    );
    expect(r.redact('http://127.0.0.1/readyz?sig=abcdef0123&key=AB12cd34&page=2')).toBe(`http://127.0.0.1/readyz?sig=${REDACTED}&key=${REDACTED}&page=2`);
  });

  it('known values are removed wherever they appear; env values only when the name looks secret', () => {
    const r = new Redactor(['plain-looking-value']);
    r.addSecretEnv({ MY_SERVICE_TOKEN: 'abc-hidden-1', HOME: '/home/someone' });
    expect(r.redact('x plain-looking-value y abc-hidden-1 /home/someone')).toBe(`x ${REDACTED} y ${REDACTED} /home/someone`);
    expect(r.redactDeep({ a: ['abc-hidden-1'], webhookUrl: 'anything', n: 3 })).toEqual({ a: [REDACTED], webhookUrl: REDACTED, n: 3 });
  });

  it('a value under a key that names a secret is redacted whatever it holds, by the same rule as config files (apiToken, X-Api-Key, credentials)', () => {
    const r = new Redactor();
    const secretKeys = ['token', 'apiToken', 'gatewayAuthToken', 'X-Api-Key', 'credentials', 'access_key', 'webhook', 'discordWebhook', 'signingKey', 'passphrase', 'client_secret', 'private_key', 'bot_token', 'webhookUrl'];
    const keptKeys = ['tokenizer', 'maxTokens', 'tokenMode', 'passwordFile', 'webhookPath', 'name', 'state', 'keyboard', 'monkey'];
    const input = Object.fromEntries([...secretKeys, ...keptKeys].map((k) => [k, 'value-1234']));
    const out = r.redactDeep({ nested: [input] }).nested[0]!;
    for (const k of secretKeys) expect(out[k], k).toBe(REDACTED);
    for (const k of keptKeys) expect(out[k], k).toBe('value-1234');
  });

  it('a flag or a number setting under a secret-looking name is not a secret; a number under any other name is', () => {
    const r = new Redactor();
    r.addSecretEnv({ AUTH_ENABLED: 'true', WEBHOOK_RETRIES: '5000', TOKEN_TTL: '3600', GATEWAY_AUTH_PORT: '18789', KEY_ROTATION_DAYS: '30.5', ADMIN_PASSWORD: '483920', NODE_AUTH_TOKEN: 'npm_abcdefgh1234' });
    const line = 'auth on: true, ttl 3600 s, port 18789, every 30.5 days, retries 5000, pin 483920, npm npm_abcdefgh1234';
    expect(r.redact(line)).toBe(`auth on: true, ttl 3600 s, port 18789, every 30.5 days, retries 5000, pin ${REDACTED}, npm ${REDACTED}`);
    // A time-to-recover bucket stays a number in /metrics.
    expect(r.redact('clawback_time_to_recover_seconds_bucket{service="gw",le="3600"} 2')).toBe('clawback_time_to_recover_seconds_bucket{service="gw",le="3600"} 2');
  });

  it('one word under a name that ends in a choice (AUTH_MODE=token) is not a secret; a word under any other name is', () => {
    const r = new Redactor();
    r.addSecretEnv({
      OPENCLAW_GATEWAY_AUTH_MODE: 'token',
      TOKEN_TYPE: 'Bearer',
      AUTH_METHOD: 'password',
      ADMIN_PASSWORD: 'sunshine',
      MODE_TOKEN: 'hunter22',
      AUTH_TYPE: 'https://idp.example/token?k=zz-123456',
      SECRET_FORMAT: 'Zm9vYmFyYmF6cXV4cXV1eHF1dXhxdXV4',
    });
    const line = 'token required (Bearer); password login; pass sunshine; mode hunter22; idp https://idp.example/token?k=zz-123456; key Zm9vYmFyYmF6cXV4cXV1eHF1dXhxdXV4';
    expect(r.redact(line)).toBe(`token required (Bearer); password login; pass ${REDACTED}; mode ${REDACTED}; idp ${REDACTED}; key ${REDACTED}`);
  });
});
