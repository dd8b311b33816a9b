// A protected value carried into a CRLF JSON5 copy where the key was missing was added on a line ending in LF alone:
// the restored file had mixed line endings (one LF among CRLFs), a change the user never made.
import { describe, expect, it } from 'vitest';
import JSON5 from 'json5';
import { carryOverText } from '../../src/doctor/protected-settings.js';

describe('a member added to a CRLF config', () => {
  it('ends its line with CRLF like its neighbours', () => {
    const copy = '{\r\n  // mine\r\n  gateway: {\r\n    port: 1,\r\n  },\r\n}\r\n';
    const now = { gateway: { port: 1, auth: { token: 'tok-new' } } };
    const r = carryOverText(copy, JSON5.parse(copy), now, ['gateway.auth.token'], 'json5');
    expect(r).toMatchObject({ carried: ['gateway.auth.token'], rewritten: false });
    expect(JSON5.parse(r.text)).toEqual(now);
    expect(r.text.replace(/\r\n/g, '')).not.toContain('\n');
    expect(r.text).toBe('{\r\n  // mine\r\n  gateway: {\r\n    port: 1,\r\n    auth: {\r\n      token: "tok-new",\r\n    },\r\n  },\r\n}\r\n');
  });

  it('an LF config keeps LF', () => {
    const copy = '{\n  "port": 1\n}\n';
    const r = carryOverText(copy, { port: 1 }, { port: 1, token: 't' }, ['token'], 'json');
    expect(r.text).toBe('{\n  "port": 1,\n  "token": "t"\n}\n');
  });
});
