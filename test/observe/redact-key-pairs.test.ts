// A key named by a secret word and `key` (`SECRET_KEY=`, `signing_key=`, `secretKey`), maybe with a last word that still
// names its value (Rails' `SECRET_KEY_BASE`, a service account's `PRIVATE_KEY_ID`): the text patterns wanted `:`/`=` right
// after a secret word and showed these whole; the details path missed the `_BASE`/`_ID` forms. Files, counts, settings stay.
import { afterEach, describe, expect, it } from 'vitest';
import { NODE, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';
import { runCli } from '../helpers/cli.js';
import { Redactor, REDACTED } from '../../src/observe/redact.js';
import { isSecretKey } from '../../src/observe/secret-keys.js';

const SECRET_LINES: Array<[string, string]> = [
  ['SECRET_KEY=abc123def', `SECRET_KEY=${REDACTED}`],
  ['export SECRET_KEY_BASE=9f8e7d6c5b4a', `export SECRET_KEY_BASE=${REDACTED}`],
  ['signing_key=abc123def', `signing_key=${REDACTED}`],
  ['PRIVATE_KEY_ID=abc123def', `PRIVATE_KEY_ID=${REDACTED}`],
  ['JWT_SECRET_KEY=abcdef12', `JWT_SECRET_KEY=${REDACTED}`],
  ['ENCRYPTION_KEY=abc12345', `ENCRYPTION_KEY=${REDACTED}`],
  ['{"secretKey":"abc123def"}', `{"secretKey":"${REDACTED}"}`],
  ['{"private_key_id":"abc123def","type":"service_account"}', `{"private_key_id":"${REDACTED}","type":"service_account"}`],
  ['secret_key: "two words"', `secret_key: "${REDACTED}"`],
];

const PLAIN_LINES = [
  'token_endpoint_auth_method=client_secret_basic',
  'KEY_FILE=/etc/x.pem',
  'PRIVATE_KEY_FILE=/etc/x.pem',
  'keyboard=us',
  'tokens: 1234',
  'max_tokens=4096',
  'token_count=12',
  'passthrough=true',
  'secretary=alice',
  'secret_key_length=64',
  'secret_keys=3',
  'sortKey=name',
];

let td: TestDaemon | undefined;
afterEach(async () => {
  await td?.stop();
  td = undefined;
});

describe('a secret word and `key` in a key, with or without a last word', () => {
  it.each(SECRET_LINES)('%s loses its secret', (line, want) => {
    const r = new Redactor();
    expect(r.redact(line)).toBe(want);
    expect(r.redact(want)).toBe(want);
  });

  it.each(PLAIN_LINES.map((l) => [l]))('%s stays as written', (line) => {
    expect(new Redactor().redact(line)).toBe(line);
  });

  it('names a secret in details too, not a key file or a length', () => {
    for (const k of ['SECRET_KEY_BASE', 'private_key_id', 'secretKeyBase', 'encryptionKey']) expect(isSecretKey(k), k).toBe(true);
    for (const k of ['PRIVATE_KEY_FILE', 'secret_key_length', 'KEY_ID', 'keyboard']) expect(isSecretKey(k), k).toBe(false);
    expect(new Redactor().redactDeep({ SECRET_KEY_BASE: 'abc123def', PRIVATE_KEY_FILE: '/etc/x.pem' })).toEqual({ SECRET_KEY_BASE: REDACTED, PRIVATE_KEY_FILE: '/etc/x.pem' });
  });

  it('holds through a real service printing the lines and `clawback logs`', async () => {
    const all = [...SECRET_LINES.map(([l]) => l), ...PLAIN_LINES];
    const print = `${all.map((l) => `console.log(${JSON.stringify(l)})`).join(';')};console.log('done printing');setInterval(() => {}, 1000)`;
    td = await startTestDaemon({ services: [{ name: 'q', command: [NODE, '-e', print] }] });
    const t = td;
    let out = '';
    await waitFor(
      async () => {
        out = (await runCli(['logs', 'q', '-n', '200', '-c', t.configFile, '--state-dir', t.stateDir])).stdout;
        return out.includes('done printing');
      },
      { timeoutMs: 20_000 },
    );
    const shown = out.split('\n');
    for (const [, want] of SECRET_LINES) expect(shown).toContain(want);
    for (const line of PLAIN_LINES) expect(shown).toContain(line);
    expect(out).not.toContain('abc123def');
  }, 30_000);
});
