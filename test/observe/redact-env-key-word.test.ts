// An environment name that holds `KEY` inside another word (`KEYCLOAK_CLIENT_ID`, `TURNKEY_RELEASE`, `MONKEY_PATH`,
// `KEYBOARD_LAYOUT`) names no key: a credential-shaped value there (a client id, a release name) was learned as a secret
// and hidden from every log line, alert and status. `OPENAI_KEY` still is a key.
import { describe, expect, it } from 'vitest';
import { Redactor } from '../../src/observe/redact.js';

describe('env names with KEY inside a word', () => {
  it('their values stay visible; a real key variable is still learned', () => {
    const r = new Redactor();
    r.addSecretEnv({
      KEYCLOAK_CLIENT_ID: 'clawback-admin-2024',
      KEYCLOAK_URL: 'http://127.0.0.1:8080/auth',
      TURNKEY_RELEASE: 'release-2026-12-06',
      MONKEY_PATH: '/opt/monkey2024/bin',
      KEYBOARD_LAYOUT: 'us',
      OPENAI_KEY: 'abcd1234efgh5678ijkl',
      STRIPE_KEYS: 'sk_live_Zq7rT2mXw9LpA4vB',
    });
    const out = r.redact('client clawback-admin-2024 at http://127.0.0.1:8080/auth release release-2026-12-06 in /opt/monkey2024/bin layout us key abcd1234efgh5678ijkl stripe sk_live_Zq7rT2mXw9LpA4vB');
    for (const s of ['clawback-admin-2024', 'http://127.0.0.1:8080/auth', 'release-2026-12-06', '/opt/monkey2024/bin', 'layout us']) expect(out, s).toContain(s);
    for (const s of ['abcd1234efgh5678ijkl', 'sk_live_Zq7rT2mXw9LpA4vB']) expect(out, s).not.toContain(s);
  });
});
