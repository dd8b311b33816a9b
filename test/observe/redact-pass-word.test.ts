// `pass` is a secret key word (`pass=hunter2`, `DB_PASS=...`, openssl's `pass:X`) and a variable named so is learned:
// both were shown whole. A count or a verdict under the bare word (`pass: 12 fail: 0`) and words holding it stay.
import { afterEach, describe, expect, it } from 'vitest';
import { NODE, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';
import { runCli } from '../helpers/cli.js';
import { Redactor, REDACTED } from '../../src/observe/redact.js';
import { isSecretKey } from '../../src/observe/secret-keys.js';

const SECRET_LINES: Array<[string, string]> = [
  ['pass=hunter2', `pass=${REDACTED}`],
  ['pass: hunter2', `pass: ${REDACTED}`],
  ['PASS=hunter2 USER=bob', `PASS=${REDACTED} USER=bob`],
  ['export DB_PASS=zq', `export DB_PASS=${REDACTED}`],
  ['{"user":"bob","pass":"hunter2"}', `{"user":"bob","pass":"${REDACTED}"}`],
  ['smtp-pass: "x y z"', `smtp-pass: "${REDACTED}"`],
  ['openssl enc -aes256 -pass pass:hunter2 -in f', `openssl enc -aes256 -pass pass:${REDACTED} -in f`],
  ['DB_PASS=483920', `DB_PASS=${REDACTED}`],
];

const PLAIN_LINES = ['bypass=hunter2', 'compass: north', 'tests: 14 pass: 12 fail: 2', 'pass: ok', '# pass 12', 'first pass: done', 'passing=3', 'passthrough: yes'];

let td: TestDaemon | undefined;
afterEach(async () => {
  await td?.stop();
  td = undefined;
});

describe('the `pass` key word', () => {
  it.each(SECRET_LINES)('%s loses its secret', (line, want) => {
    const r = new Redactor();
    expect(r.redact(line)).toBe(want);
    expect(r.redact(want)).toBe(want);
  });

  it.each(PLAIN_LINES.map((l) => [l]))('%s stays as written', (line) => {
    expect(new Redactor().redact(line)).toBe(line);
  });

  it('names a secret as a key in details and status, not inside another word', () => {
    expect(isSecretKey('DB_PASS')).toBe(true);
    expect(isSecretKey('smtpPass')).toBe(true);
    expect(isSecretKey('bypass')).toBe(false);
    expect(new Redactor().redactDeep({ smtpPass: 'hunter2', bypass: 'x' })).toEqual({ smtpPass: REDACTED, bypass: 'x' });
  });

  it('a service env var named *_PASS is learned: its value printed anywhere is hidden in `clawback logs`', async () => {
    const value = 'Zk4q-unguessable-77';
    const print = `console.log('connecting with ' + process.env.DB_PASS);console.log('pass=hunter2');console.log('tests: 14 pass: 12 fail: 2');console.log('done printing');setInterval(() => {}, 1000)`;
    td = await startTestDaemon({ services: [{ name: 'q', command: [NODE, '-e', print], env: { DB_PASS: value } }] });
    const t = td;
    let out = '';
    await waitFor(
      async () => {
        out = (await runCli(['logs', 'q', '-n', '50', '-c', t.configFile, '--state-dir', t.stateDir])).stdout;
        return out.includes('done printing');
      },
      { timeoutMs: 20_000 },
    );
    expect(out).not.toContain(value);
    expect(out).not.toContain('hunter2');
    expect(out.split('\n')).toContain(`connecting with ${REDACTED}`);
    expect(out.split('\n')).toContain('tests: 14 pass: 12 fail: 2');
  }, 30_000);
});
