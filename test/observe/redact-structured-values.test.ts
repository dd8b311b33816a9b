// A secret key whose value is a mapping or list, pretty-printed over lines or on one line: the text path showed its
// values (`"password": {` then `"pin": "1234"`; `{"password": {"x": 5}}`), and it disagreed with redactDeep on the object.
import { describe, expect, it } from 'vitest';
import { Redactor } from '../../src/observe/redact.js';

const r = (): Redactor => new Redactor();

describe('structured values under a secret key', () => {
  it('redacts the entries of a pretty-printed mapping or list opened after the key, keys and brackets kept', () => {
    const json = JSON.stringify({ password: { pin: '1234', user: 'bob' }, secret: ['abc', 'def'], token: ['tok-abcdef123456'], next: 'shown' }, null, 2);
    const out = r().redact(json);
    for (const s of ['1234', 'abc', 'def', 'tok-abcdef123456']) expect(out).not.toContain(`"${s}"`);
    expect(out).toContain('"password": {\n    "pin": "[REDACTED]",\n    "user": "bob"\n  },');
    expect(out).toContain('"secret": [\n    "[REDACTED]",\n    "[REDACTED]"\n  ],');
    expect(out).toContain('"next": "shown"');
    // Line by line (the log redactor, the API's tail) too.
    const lines = r().redactDeep(json.split('\n'));
    expect(lines.join('\n')).toBe(out);
    expect(r().redact('secret: [\n  "abc",\n  "def"\n]')).toBe('secret: [\n  "[REDACTED]",\n  "[REDACTED]"\n]');
  });

  it('redacts a mapping or list on one line as redactDeep redacts the object', () => {
    const red = r();
    const obj = { password: { x: 5, user: 'bob', list: ['a', 7, null], port: 5432 }, token: { count: 3, value: 'abcdef123456' }, next: 'shown' };
    const text = red.redact(JSON.stringify(obj));
    // A number's redaction is bare in text (`"x":[REDACTED]`); quoted, the text parses to what redactDeep gives.
    expect(JSON.parse(text.replace(/(?<!")\[REDACTED\](?!")/g, '"[REDACTED]"'))).toEqual(red.redactDeep(obj));
    expect(text).toBe('{"password":{"x":[REDACTED],"user":"bob","list":["[REDACTED]",[REDACTED],null],"port":5432},"token":{"count":3,"value":"[REDACTED]"},"next":"shown"}');
    expect(red.redact('{"password": {"x": 5}}')).toBe('{"password": {"x": [REDACTED]}}');
    expect(red.redact('token: {count: 3, value: abcdef123456}')).toBe('token: {count: 3, value: [REDACTED]}');
    expect(red.redact('x {\\"apiKey\\": [\\"abc\\\\\\"def\\", \\"q\\"], \\"ok\\": 1}')).toBe('x {\\"apiKey\\": [\\"[REDACTED]\\", \\"[REDACTED]\\"], \\"ok\\": 1}');
    // Not over-redacted: a key that is no secret, a key that only ends in `key` with a plain value.
    expect(red.redact('{"details": {"port": 8080}, "tokens": [1, 2]}')).toBe('{"details": {"port": 8080}, "tokens": [1, 2]}');
    expect(red.redact('stripeKey: {live: "sk_live_abcdefghijklmnop1234", mode: "test"}')).toBe('stripeKey: {live: "[REDACTED]", mode: "test"}');
  });

  it('keeps the same values in text and in objects under a secret mapping', () => {
    const red = r();
    expect(red.redactDeep({ token: { count: 3 }, password: { port: 5432, user: 'bob', pin: 1234 } })).toEqual({ token: { count: 3 }, password: { port: 5432, user: 'bob', pin: '[REDACTED]' } });
    expect(red.redact('token:\n  count: 3')).toBe('token:\n  count: 3');
    expect(red.redact('password:\n  port: 5432\n  pin: 1234')).toBe('password:\n  port: 5432\n  pin: [REDACTED]');
    // A plain key's value is still redacted by what it holds.
    expect(red.redactDeep({ password: { user: 'sk-ant-abcdefghijklmnopqrstuvwx' } })).toEqual({ password: { user: '[REDACTED]' } });
  });
});
