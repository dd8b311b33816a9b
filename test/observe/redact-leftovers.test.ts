// Last round's leftovers, each a class: the shell's PWD is a directory, not a secret; a bare `Bearer` scheme word does
// not take the next `name=value` field; a told password's trailing `!` is its own (only a sentence's `.` after a plain
// word stays). Secret lines lose the secret, ordinary lines stay, and redacting twice changes nothing.
import { describe, expect, it } from 'vitest';
import { Redactor, REDACTED, secretFlagValues } from '../../src/observe/redact.js';

const SECRET_LINES: Array<[string, string]> = [
  ['the password is: p@ss!', `the password is: ${REDACTED}`],
  ['the password is p@ss!', `the password is ${REDACTED}`],
  ['password: p@ss!', `password: ${REDACTED}`],
  ['password is hunter2!', `password is ${REDACTED}`],
  ['the password is p@ss.', `the password is ${REDACTED}`],
  ['the password is hunter2.', `the password is ${REDACTED}.`],
  ['DB_PWD=hunter2', `DB_PWD=${REDACTED}`],
  ['DB_PWD=/hunter2', `DB_PWD=${REDACTED}`],
  ['pwd=hunter2', `pwd=${REDACTED}`],
  ['"pwd": "hunter2"', `"pwd": "${REDACTED}"`],
  ['Server=h;Pwd=7x;Database=d', `Server=h;Pwd=${REDACTED};Database=d`],
  ['Authorization: Basic dXNlcjpwYXNzd29yZDE=', `Authorization: Basic ${REDACTED}`],
  ['Basic dXNlcjpwYXNz1=', `Basic ${REDACTED}`],
  ['Bearer abcdefghijklmnop expires_in=3600', `Bearer ${REDACTED} expires_in=3600`],
  ['backup --db-pass hunter2 --host db', `backup --db-pass ${REDACTED} --host db`],
  ['tool --pass s3cret9', `tool --pass ${REDACTED}`],
  ['openssl enc -pass hunter2', `openssl enc -pass ${REDACTED}`],
];

const PLAIN_LINES = [
  'PWD=/home/bob',
  'OLDPWD=/tmp',
  'echo $PWD',
  'pwd: /srv/app',
  '"PWD":"/home/bob"',
  'TOKEN_TYPE=bearer expires_in=3600',
  'token_type=Bearer expires_in=3600 scope=read',
  'the password was changed!',
  'password is required.',
  'rsync --bypass-cache file',
  'nav --compass north',
  'token: null',
  '"token":null,"user":"bob"',
  'password: undefined',
];

describe('redaction leftovers', () => {
  it.each(SECRET_LINES)('%s loses its secret', (line, want) => {
    const r = new Redactor();
    expect(r.redact(line)).toBe(want);
    expect(r.redact(want)).toBe(want);
  });

  it.each(PLAIN_LINES.map((l) => [l]))('%s stays as written', (line) => {
    expect(new Redactor().redact(line)).toBe(line);
  });

  it('an object keeps the shell working directory under PWD/OLDPWD, and hides a pwd that is no path', () => {
    const r = new Redactor();
    expect(r.redactDeep({ PWD: '/home/bob', OLDPWD: '~/src', DB_PWD: 'hunter2', PWD2: 'x' })).toEqual({ PWD: '/home/bob', OLDPWD: '~/src', DB_PWD: REDACTED, PWD2: 'x' });
    expect(r.redactDeep({ PWD: 'hunter2' })).toEqual({ PWD: REDACTED });
  });

  it('a command list hides the value after a --db-pass flag, not after --bypass', () => {
    expect(secretFlagValues(['backup', '--db-pass', 'hunter2', '--bypass', 'cache'])).toEqual(['backup', '--db-pass', REDACTED, '--bypass', 'cache']);
  });
});
