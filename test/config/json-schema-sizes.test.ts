// The exported JSON Schema (editors) and the loader agree on duration and size fields: the schema took any number or
// string there, so an editor accepted `grace: 10 parsecs`, `maxBytes: -5` or `interval: soon` that validate refuses.
import { describe, expect, it } from 'vitest';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { configJsonSchema } from '../../src/config/json-schema.js';
import { validateConfig } from '../../src/config/load.js';

const base = (svc: Record<string, unknown>, top: Record<string, unknown> = {}): Record<string, unknown> => ({ services: [{ name: 'web', command: ['node', 'x.js'], ...svc }], ...top });

const CASES: Array<[string, Record<string, unknown>]> = [
  ['grace 5s', base({ stop: { grace: '5s' } })],
  ['grace 1.5s', base({ stop: { grace: '1.5s' } })],
  ['grace 1500', base({ stop: { grace: 1500 } })],
  ['coolDown 1h', base({ restart: { coolDown: '1h' } })],
  ['retention 30d', base({}, { retention: { maxAge: '30d' } })],
  ['maxBytes 10MiB', base({ logs: { maxBytes: '10MiB' } })],
  ['maxBytes 2mb', base({ logs: { maxBytes: '2mb' } })],
  ['memory limit 1GiB', base({ probes: [{ kind: 'memory', limit: '1GiB' }] })],
  ['grace 10 parsecs', base({ stop: { grace: '10 parsecs' } })],
  ['grace -5', base({ stop: { grace: -5 } })],
  ['grace 10sec', base({ stop: { grace: '10sec' } })],
  ['grace 10S', base({ stop: { grace: '10S' } })],
  ['retention 30x', base({}, { retention: { maxAge: '30x' } })],
  ['interval soon', base({ probes: [{ kind: 'http', url: 'http://127.0.0.1:1/h', interval: 'soon' }] })],
  ['maxBytes 10 potatoes', base({ logs: { maxBytes: '10 potatoes' } })],
  ['maxBytes -5', base({ logs: { maxBytes: -5 } })],
  ['maxBytes 0', base({ logs: { maxBytes: 0 } })],
  ['memory limit 1 gig', base({ probes: [{ kind: 'memory', limit: '1 gig' }] })],
];

describe('JSON Schema export vs the loader: durations and sizes', () => {
  it('accepts and refuses the same duration and size values', () => {
    const check = new Ajv2020({ strict: false, allErrors: true, logger: false }).compile(configJsonSchema());
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
