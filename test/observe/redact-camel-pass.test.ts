// `pass` as a camelCase key's last word in text (`"dbPass":"x"`, `smtpPass=...`) is a secret key, as it is in a details
// object (isSecretKey): the text patterns wanted no letter before `pass` (to keep `bypass`), and showed it whole.
import { afterEach, describe, expect, it } from 'vitest';
import { NODE, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';
import { runCli } from '../helpers/cli.js';
import { Redactor, REDACTED } from '../../src/observe/redact.js';

const SECRET_LINES: Array<[string, string]> = [
  ['{"dbPass":"x"}', `{"dbPass":"${REDACTED}"}`],
  ['{"user":"bob","dbPass":"hunter2"}', `{"user":"bob","dbPass":"${REDACTED}"}`],
  ['dbPass=hunter2', `dbPass=${REDACTED}`],
  ['mqttPass: abc', `mqttPass: ${REDACTED}`],
  ['{\\"smtpPass\\":\\"hunter2\\"}', `{\\"smtpPass\\":\\"${REDACTED}\\"}`],
  ['{"bypass":"x","dbPass":"y"}', `{"bypass":"x","dbPass":"${REDACTED}"}`],
  ['bypass=abc smtp2Pass=abcd', `bypass=abc smtp2Pass=${REDACTED}`],
];

const PLAIN_LINES = ['bypass=cache-all', '{"bypass":"cache"}', 'compass: north', 'surpass: 12', 'passthrough=true', 'passing=3', 'DBPASS_HINT=see vault', 'tests: 14 pass: 12 fail: 2'];

let td: TestDaemon | undefined;
afterEach(async () => {
  await td?.stop();
  td = undefined;
});

describe('a camelCase key ending in Pass', () => {
  it.each(SECRET_LINES)('%s loses its secret', (line, want) => {
    const r = new Redactor();
    expect(r.redact(line)).toBe(want);
    expect(r.redact(want)).toBe(want);
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
        out = (await runCli(['logs', 'q', '-n', '200', '-c', t.configFile, '--state-dir', t.stateDir])).stdout;
        return out.includes('done printing');
      },
      { timeoutMs: 20_000 },
    );
    const shown = out.split('\n');
    for (const [, want] of SECRET_LINES) expect(shown).toContain(want);
    for (const line of PLAIN_LINES) expect(shown).toContain(line);
    expect(out).not.toContain('hunter2');
  }, 30_000);
});
