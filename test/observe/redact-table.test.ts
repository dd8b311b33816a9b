// Both sides of the redactor in one table: each secret line a real service might print loses its secret (and keeps its
// key), each ordinary line stays as written. Checked on the Redactor and through a real service's `clawback logs`.
import { afterEach, describe, expect, it } from 'vitest';
import { NODE, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';
import { runCli } from '../helpers/cli.js';
import { Redactor, REDACTED } from '../../src/observe/redact.js';
import { createNotifier } from '../../src/notify/dispatcher.js';
import { systemClock } from '../../src/platform/clock.js';
import { allChannels, config, event, logCollector, receiverPerTest } from '../notify/helpers.js';

/** [line as printed, the secret that must not be shown, the line redacted]. */
const SECRET_LINES: Array<[string, string, string]> = [
  // A short value under a password or secret key.
  ['PGPASSWORD=abc', 'abc', `PGPASSWORD=${REDACTED}`],
  ['export DB_PASSWORD=q1', 'q1', `export DB_PASSWORD=${REDACTED}`],
  ['cfg {"clientSecret": "shh"}', 'shh', `cfg {"clientSecret": "${REDACTED}"}`],
  ['db: Server=h;Pwd=7x;Database=d', '7x', `db: Server=h;Pwd=${REDACTED};Database=d`],
  ['passphrase=hunter2', 'hunter2', `passphrase=${REDACTED}`],
  ['SSH_PASSPHRASE=ab9', 'ab9', `SSH_PASSPHRASE=${REDACTED}`],
  // A query parameter percent-encoded inside another value.
  ['GET /cb?next=%2Flogin%3Fx%3D1%26password%3Dhunter2%26page%3D2', 'hunter2', `GET /cb?next=%2Flogin%3Fx%3D1%26password%3D${REDACTED}%26page%3D2`],
  ['GET /cb?next=%2Flogin%253Faccess_token%253Dabc123def', 'abc123def', `GET /cb?next=%2Flogin%253Faccess_token%253D${REDACTED}`],
  // A password on a command line, given to a short flag.
  ['running: mysql -u root -phunter2 orders', 'hunter2', `running: mysql -u root -p${REDACTED} orders`],
  ['running: mysqldump -p hunter2 --all-databases', 'hunter2', `running: mysqldump -p ${REDACTED} --all-databases`],
  ['sshpass -p hunter2 ssh admin@host', 'hunter2', `sshpass -p ${REDACTED} ssh admin@host`],
  ['redis-cli -h 127.0.0.1 -a hunter2 ping', 'hunter2', `redis-cli -h 127.0.0.1 -a ${REDACTED} ping`],
  // A short credential after an auth scheme, under a secret key or `authorization:`.
  ['AUTH=Bearer abc123', 'abc123', `AUTH=Bearer ${REDACTED}`],
  ['authorization: bearer abc', 'abc', `authorization: bearer ${REDACTED}`],
  ['Authorization: Token ab1', 'ab1', `Authorization: Token ${REDACTED}`],
  ['API_KEY="Basic dXM6cA"', 'dXM6cA', `API_KEY="Basic ${REDACTED}"`],
  ['AUTH=Token abc123', 'abc123', `AUTH=Token ${REDACTED}`],
  ['proxy: {"Proxy-Authorization": "NTLM TlRM"}', 'TlRM', `proxy: {"Proxy-Authorization": "NTLM ${REDACTED}"}`],
  // A password told in prose.
  ['the password is hunter2', 'hunter2', `the password is ${REDACTED}`],
  ['my password is "hunter2"', 'hunter2', `my password is "${REDACTED}"`],
  ['login failed for bob with password hunter2', 'hunter2', `login failed for bob with password ${REDACTED}`],
  ['the password is hunter2.', 'hunter2', `the password is ${REDACTED}.`],
  ["passphrase was 'correct horse'", 'correct horse', `passphrase was '${REDACTED}'`],
  ['the password is 483920', '483920', `the password is ${REDACTED}`],
  // A value before a closing bracket: the bracket stays.
  ['password=abc)', 'abc', `password=${REDACTED})`],
  ['check (password=hunter2) failed', 'hunter2', `check (password=${REDACTED}) failed`],
  ['[secret=abcdef]', 'abcdef', `[secret=${REDACTED}]`],
];

/** Lines with no secret in them: shown as written. */
const PLAIN_LINES = [
  'passwords_checked=12',
  'token_count: 512',
  'max_tokens=4096 tokens: 1200',
  'auth: ok',
  'secret: no',
  'secrets=3 secret_count=2',
  'password_min_length=8',
  'GET /cb?next=%2Flogin%3Fpage%3D2%26sort%3Dname',
  'mysql -u root -P 3306 -h db orders',
  'mysql -u root -p',
  'mkdir -p /var/lib/app && ls -p hunter',
  'password reset email sent to bob',
  'the token is valid',
  'GET https://example.com/a/b?page=2&sort=name HTTP/1.1',
  'the password was changed',
  'password is invalid',
  'password is required.',
  'wrong password 3 times',
  'password is too short (min 8)',
  'password hash $2b$10$ is stored',
  'set the password via $DB_PASSWORD',
  'auth: token required',
  'auth: basic',
  '{"token_type":"Bearer","expires_in":3600}',
  'authorization: Digest username="bob", realm="api"',
  'avatar data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
];

let td: TestDaemon | undefined;
afterEach(async () => {
  await td?.stop();
  td = undefined;
});

describe('the redaction table', () => {
  it.each(SECRET_LINES)('%s loses its secret', (line, _secret, want) => {
    expect(new Redactor().redact(line)).toBe(want);
  });

  it.each(PLAIN_LINES.map((l) => [l]))('%s stays as written', (line) => {
    expect(new Redactor().redact(line)).toBe(line);
  });

  it('holds through a real service printing the lines and `clawback logs`', async () => {
    const all = [...SECRET_LINES.map(([l]) => l), ...PLAIN_LINES];
    const print = `${all.map((l) => `console.log(${JSON.stringify(l)})`).join(';')};console.log('done printing');setInterval(() => {}, 1000)`;
    td = await startTestDaemon({ services: [{ name: 'q', command: [NODE, '-e', print] }] });
    const t = td;
    let out = '';
    await waitFor(
      async () => {
        out = (await runCli(['logs', 'q', '-n', '500', '-c', t.configFile, '--state-dir', t.stateDir])).stdout;
        return out.includes('done printing');
      },
      { timeoutMs: 20_000 },
    );
    const shown = out.split('\n');
    for (const [line, , want] of SECRET_LINES) expect(shown, line).toContain(want);
    for (const line of PLAIN_LINES) expect(shown, line).toContain(line);
  });

  const h = receiverPerTest();

  it('holds through an alert to a real local receiver', async () => {
    const n = createNotifier(config(allChannels(h.receiver)), { stateDir: h.stateDir, clock: systemClock(), redactor: new Redactor(), log: logCollector().log });
    h.notifiers.push(n);
    const excerpt = SECRET_LINES.map(([l]) => l).join('\n');
    n.publish(event({ type: 'probe.failed', severity: 'warning', level: undefined, message: 'q: probe failed', details: { logExcerpt: excerpt } }));
    await h.receiver.waitFor(() => h.receiver.accepted.length >= 6 && n.outboxDepth() === 0, 15_000, 'the alert on every channel');
    // No channel shows a secret line as printed (compared as JSON text).
    const asJson = (l: string): string => JSON.stringify(l).slice(1, -1);
    for (const [line, , want] of SECRET_LINES) {
      for (const m of h.receiver.accepted) expect(m.raw, `${m.channel}: ${line}`).not.toContain(asJson(line));
    }
  }, 30_000);
});
