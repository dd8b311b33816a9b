// The exported JSON Schema (editors) took any string as a probe URL or a pattern, where the loader refuses
// `url: not a url`, `url: ftp://...` and `selfRestartPattern: "(["`: an editor showed no squiggle for a file that
// `clawback validate` refuses. Those fields now carry format/pattern keywords; for this table both agree.
import { describe, expect, it } from 'vitest';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { configJsonSchema } from '../../src/config/json-schema.js';
import { validateConfig } from '../../src/config/load.js';

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;
const base = (svc: Record<string, unknown>): Record<string, unknown> => ({ services: [{ name: 'web', command: ['node', 'x.js'], ...svc }] });
const http = (url: string): Record<string, unknown> => base({ probes: [{ kind: 'http', url }] });

const CASES: Array<[string, Record<string, unknown>]> = [
  ['http url', http('http://127.0.0.1:8080/health')],
  ['https url', http('https://example.test/h?x=1')],
  ['not a url', http('not a url')],
  ['ftp url', http('ftp://127.0.0.1/h')],
  ['no host', http('http://')],
  ['pattern ok', base({ restart: { selfRestartPattern: 'restarting \\d+' } })],
  ['pattern empty', base({ restart: { selfRestartPattern: '' } })],
  ['pattern broken', base({ restart: { selfRestartPattern: '([' } })],
  ['human pattern broken', base({ restart: { humanOnlyPattern: 'a{2,1}' } })],
];

describe('JSON Schema export vs the loader: URLs and regular expressions', () => {
  it('accepts and refuses the same values', () => {
    const check = addFormats(new Ajv2020({ strict: false, allErrors: true, logger: false })).compile(configJsonSchema());
    for (const [name, cfg] of CASES) {
      let loader = true;
      try {
        validateConfig(structuredClone(cfg), 'x.yaml');
      } catch {
        loader = false;
      }
      expect(check(cfg), `${name}: loader ${loader ? 'accepts' : 'refuses'} it, the JSON Schema should too`).toBe(loader);
    }
  });
});
