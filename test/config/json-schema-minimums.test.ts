// The exported JSON Schema took any duration where the loader wants a minimum (emergency budget.window under 1m,
// timeBox under 1s, verifyWindow 0, approvalTimeout under 1s with approval: required, startup.timeout under 1s, a probe
// interval under 100ms): an editor showed no squiggle for a file `clawback validate` refuses. For this table both agree.
import { describe, expect, it } from 'vitest';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { configJsonSchema } from '../../src/config/json-schema.js';
import { validateConfig } from '../../src/config/load.js';

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;
const base = (svc: Record<string, unknown>): Record<string, unknown> => ({ services: [{ name: 'web', command: ['node', 'x.js'], ...svc }] });
const em = (e: Record<string, unknown>): Record<string, unknown> => base({ emergency: { adapter: 'claude', ...e } });
const DURATIONS: Array<string | number> = [0, 1, 99, 100, 999, 1000, 59_999, 60_000, 86_400_000, '0', '0ms', '0.4ms', '0.5ms', '1ms', '99ms', '100ms',
  '999ms', '999.4ms', '999.5ms', '1000ms', '0s', '1s', '1.5s', '30s', '59s', '59.9s', '60s', '61s', '100s', '0m', '1m', '1.5m', '10m', '24h', '1d', ' 2 m ', '007s'];

const CASES: Array<[string, Record<string, unknown>]> = [];
for (const v of DURATIONS) {
  CASES.push([`budget.window ${v}`, em({ budget: { window: v } })]);
  CASES.push([`timeBox ${v}`, em({ timeBox: v })]);
  CASES.push([`verifyWindow ${v}`, em({ verifyWindow: v })]);
  CASES.push([`approvalTimeout ${v} required`, em({ approval: 'required', approvalTimeout: v })]);
  CASES.push([`approvalTimeout ${v} none`, em({ approval: 'none', approvalTimeout: v })]);
  CASES.push([`startup.timeout ${v}`, base({ startup: { timeout: v } })]);
  CASES.push([`probe interval ${v}`, base({ probes: [{ kind: 'tcp', port: 9, interval: v }] })]);
}

describe('JSON Schema export vs the loader: durations with a minimum', () => {
  it('accepts and refuses the same values', () => {
    const check = addFormats(new Ajv2020({ strict: false, allErrors: true, logger: false })).compile(configJsonSchema());
    const disagree: string[] = [];
    for (const [name, cfg] of CASES) {
      let loader = true;
      try {
        validateConfig(structuredClone(cfg), 'x.yaml');
      } catch {
        loader = false;
      }
      if (check(cfg) !== loader) disagree.push(`${name}: loader ${loader ? 'accepts' : 'refuses'} it, the JSON Schema does not`);
    }
    expect(disagree).toEqual([]);
  });

  it('says the minimum where an editor shows it', () => {
    const text = JSON.stringify(configJsonSchema());
    expect(text).toContain('a duration of at least 60000 ms');
  });
});
