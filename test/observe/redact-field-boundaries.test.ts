// A connection string lost what followed its password (`Server=x;Password=p;Database=x` -> `Password=[REDACTED]`) and a
// form body without `?` lost the fields after its secret (`client_secret=s&grant_type=x`), or showed a short one
// (`user=a&password=p&page=2`). The value ends at the `;` or `&` that opens the next field. Through a real service's log.
import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { NODE, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';
import { Redactor, REDACTED } from '../../src/observe/redact.js';

const LINES = [
  'db: Server=db1;Password=p4ss-word9;Database=orders;User Id=app',
  'db: Server=db1;Pwd=p;Database=orders',
  'POST body user=alice&password=p&page=2',
  'POST body client_secret=cs-77aa99bb&grant_type=client_credentials',
];

let td: TestDaemon | undefined;
afterEach(async () => {
  await td?.stop();
  td = undefined;
});

describe('a secret field among others', () => {
  it('is redacted alone, the fields after it kept', () => {
    const r = new Redactor();
    expect(r.redact(LINES[0]!)).toBe(`db: Server=db1;Password=${REDACTED};Database=orders;User Id=app`);
    expect(r.redact(LINES[1]!)).toBe(`db: Server=db1;Pwd=${REDACTED};Database=orders`);
    expect(r.redact(LINES[2]!)).toBe(`POST body user=alice&password=${REDACTED}&page=2`);
    expect(r.redact(LINES[3]!)).toBe(`POST body client_secret=${REDACTED}&grant_type=client_credentials`);
    // A value with no next field is still taken to its end.
    expect(r.redact('Password=abc;def')).toBe(`Password=${REDACTED}`);
  });

  it('reaches the log of a service with logs.redact without its secret and with its other fields', async () => {
    const print = `${LINES.map((l) => `console.log(${JSON.stringify(l)})`).join(';')};console.log('done printing');setTimeout(() => process.exit(0), 200)`;
    td = await startTestDaemon({ services: [{ name: 'q', command: [NODE, '-e', print], logs: { redact: true }, restart: { policy: 'never' } }] });
    const file = path.join(td.stateDir, 'logs', 'q.log');
    const log = (): string => {
      try {
        return readFileSync(file, 'utf8');
      } catch {
        return '';
      }
    };
    await waitFor(() => log().includes('done printing'), { timeoutMs: 20_000 });
    const text = log();
    for (const secret of ['p4ss-word9', 'Pwd=p;', 'password=p&', 'cs-77aa99bb']) expect(text).not.toContain(secret);
    expect(text).toContain(';Database=orders;User Id=app');
    expect(text).toContain('&page=2');
    expect(text).toContain('&grant_type=client_credentials');
  });
});
