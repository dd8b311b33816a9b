// A protected key MISSING from a YAML copy is carried in as one new line in place, like a changed scalar: the whole
// document used to be printed anew (its indent and layout lost).
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { carryOverText } from '../../src/doctor/protected-settings.js';

describe('carryOverText of a key missing from a YAML copy', () => {
  it('adds one line in the map and keeps every other byte', () => {
    const cand = '# my gateway\ngateway:\n    mode: local   # keep local\n    port: 1234\nmodels:\n    - name: a\n';
    const src = { gateway: { mode: 'local', port: 1234, auth: { token: 'tok-y-1' } } };
    const r = carryOverText(cand, YAML.parse(cand), src, ['gateway.auth.token'], 'yaml');
    expect(r.carried).toEqual(['gateway.auth.token']);
    expect(r.rewritten).toBe(false);
    expect(r.text).toBe('# my gateway\ngateway:\n    mode: local   # keep local\n    port: 1234\n    auth:\n        token: tok-y-1\nmodels:\n    - name: a\n');
    expect(YAML.parse(r.text)).toEqual({ gateway: { mode: 'local', port: 1234, auth: { token: 'tok-y-1' } }, models: [{ name: 'a' }] });
  });

  it('keeps a CRLF file CRLF and adds a missing top-level key at the end', () => {
    const cand = 'gateway:\r\n  mode: local\r\n';
    const src = { gateway: { mode: 'local' }, secrets: { apiKey: 'k-1' } };
    const r = carryOverText(cand, YAML.parse(cand), src, ['secrets.apiKey'], 'yaml');
    expect(r.text).toBe('gateway:\r\n  mode: local\r\nsecrets:\r\n  apiKey: k-1\r\n');
  });
});
