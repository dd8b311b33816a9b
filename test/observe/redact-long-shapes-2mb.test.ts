// The shapes that cost most per character on a 2 MB line ('mysql ' repeated, letters, 'pass' repeated): the command
// password pattern is now tried only at a command word with a flag within its reach, and the key=value pattern checks
// its key before its look-behind. What they redact must not change: these cases hold before and after.
import { describe, expect, it } from 'vitest';
import { Redactor, REDACTED } from '../../src/observe/redact.js';

const r = (): Redactor => new Redactor();

describe('a command password among many command words', () => {
  it('is found after thousands of mysql words, as the flag of the nearest one', () => {
    const line = `${'mysql '.repeat(5000)}-u root -phunter22 orders`;
    const out = r().redact(line);
    expect(out).not.toContain('hunter22');
    expect(out.endsWith(`-u root -p${REDACTED} orders`)).toBe(true);
  });

  it('is not taken beyond 1024 characters of its command, nor past a pipe, ; or &', () => {
    expect(r().redact(`mysql ${'x'.repeat(1100)} -phunter22`)).toContain('hunter22');
    expect(r().redact(`mysql ${'x'.repeat(1000)} -phunter22`)).not.toContain('hunter22');
    for (const sep of ['|', ';', '&', '\n']) expect(r().redact(`mysql -u root ${sep} grep -phunter22`)).toContain('hunter22');
  });

  it('follows each command its own flag: -a for redis-cli, -p for the others', () => {
    expect(r().redact('redis-cli -p 6379 -a hunter22 ping')).toBe(`redis-cli -p 6379 -a ${REDACTED} ping`);
    expect(r().redact('redis-cli -p hunter22')).toContain('hunter22');
    expect(r().redact('sshpass -p hunter22 ssh h; mysql -u r -phunter33 d')).toBe(`sshpass -p ${REDACTED} ssh h; mysql -u r -p${REDACTED} d`);
    expect(r().redact('mariadb-mysql -p hunter22')).not.toContain('hunter22');
    expect(r().redact('mysql -p -x hunter22')).toContain('hunter22');
    expect(r().redact('sshpassx -p hunter22')).toContain('hunter22');
  });

  it('takes every password of a long line of commands', () => {
    const line = 'mysql -u root -phunter22 orders; '.repeat(3000) + 'redis-cli -a hunter22 ping';
    const out = r().redact(line);
    expect(out).not.toContain('hunter22');
    expect(out.split(REDACTED).length - 1).toBe(3001);
  });
});

describe('a secret key after a long run of letters', () => {
  it('is redacted; a query parameter within 64 characters is left to the query pattern', () => {
    expect(r().redact(`${'abcd'.repeat(50_000)} password=hunter22`)).not.toContain('hunter22');
    expect(r().redact(`${'pass'.repeat(50_000)} pass=hunter22`)).not.toContain('hunter22');
    expect(r().redact(`GET /x?${'a'.repeat(40)}&password=hunter22&page=2`)).toContain('&page=2');
    expect(r().redact(`GET /x?${'a'.repeat(40)}&password=hunter22&page=2`)).not.toContain('hunter22');
  });
});
