// A JSON value with an escaped quote inside (`{"password":"se\"cret123"}`) was logged whole, or its tail after the quote
// was (`"[REDACTED]"more"`): the quoted-value pattern took `\"` for the closing quote. Through a real service's log.
import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { NODE, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';
import { Redactor, REDACTED } from '../../src/observe/redact.js';

const PRINT = [
  'console.log(JSON.stringify({ user: "bob", password: "se\\"cret123" }))',
  'console.log(JSON.stringify({ token: "abcdef\\"ghijkl\\"mnop", n: 1 }))',
  'console.log(JSON.stringify({ msg: JSON.stringify({ apiKey: "ab\\"cd\\"efgh" }) }))',
  'console.log("done printing")',
  'setTimeout(() => process.exit(0), 200)',
].join(';');

let td: TestDaemon | undefined;
afterEach(async () => {
  await td?.stop();
  td = undefined;
});

describe('a secret with an escaped quote in it', () => {
  it('is redacted whole, plain and escaped JSON alike', () => {
    const r = new Redactor();
    expect(r.redact('{"password":"se\\"cret123"}')).toBe(`{"password":"${REDACTED}"}`);
    expect(r.redact('{"password":"secret\\"more","user":"bob"}')).toBe(`{"password":"${REDACTED}","user":"bob"}`);
    expect(r.redact('{\\"token\\":\\"ab\\\\\\"cdefgh\\",\\"x\\":1}')).toBe(`{\\"token\\":\\"${REDACTED}\\",\\"x\\":1}`);
  });

  it('never reaches the log of a service with logs.redact', async () => {
    td = await startTestDaemon({ services: [{ name: 'q', command: [NODE, '-e', PRINT], logs: { redact: true }, restart: { policy: 'never' } }] });
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
    for (const piece of ['cret123', 'se\\"c', 'ghijkl', 'mnop', 'efgh']) expect(text).not.toContain(piece);
    expect(text).toContain('"user":"bob"');
    expect(text).toContain(`"password":"${REDACTED}"`);
  });
});
