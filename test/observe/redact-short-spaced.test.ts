// A quoted value of 3 characters or less holding a space under a secret key (`{"dbPass": "x y"}`, `token="a b"`): the
// quoted pattern wanted 4 or more and the short one no space, so it was shown whole. Flags and empty values stay.
import { describe, expect, it } from 'vitest';
import { Redactor, REDACTED } from '../../src/observe/redact.js';

const SECRET_LINES: Array<[string, string]> = [
  ['{"dbPass": "x y"}', `{"dbPass": "${REDACTED}"}`],
  ['password="a b"', `password="${REDACTED}"`],
  ["secret: 'x y'", `secret: '${REDACTED}'`],
  ['{"botToken": "x y"}', `{"botToken": "${REDACTED}"}`],
  ['{"apiKey": "a b","n":1}', `{"apiKey": "${REDACTED}","n":1}`],
  ['token="a b"', `token="${REDACTED}"`],
  ['log {\\"clientSecret\\":\\"x y\\"}', `log {\\"clientSecret\\":\\"${REDACTED}\\"}`],
];

const PLAIN_LINES = ['secret: "no"', 'password=""', 'token: " "', 'auth: "ok"', 'name: "a b"'];

describe('a short quoted value with a space under a secret key', () => {
  it.each(SECRET_LINES)('%s loses its secret', (line, want) => {
    const r = new Redactor();
    expect(r.redact(line)).toBe(want);
    expect(r.redact(want)).toBe(want);
  });
  it.each(PLAIN_LINES.map((l) => [l]))('%s stays as written', (line) => {
    expect(new Redactor().redact(line)).toBe(line);
  });
});
