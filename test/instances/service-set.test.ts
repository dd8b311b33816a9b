// The pure diff behind reload and scale: added, removed, changed and untouched services.
import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/config/load.js';
import { diffServices, describeDiff, diffIsEmpty } from '../../src/daemon/service-set.js';

const services = (list: Array<Record<string, unknown>>) => validateConfig({ services: list }, 't.yaml').services;
const a = { name: 'a', command: ['a'] };
const b = { name: 'b', command: ['b'], env: { X: '1' } };
const w = (n: number, extra: Record<string, unknown> = {}) => ({ name: 'w', command: ['w', '{port}'], port: 9000, instances: n, ...extra });

describe('diffServices', () => {
  it.each([
    ['nothing changed', [a, b], [a, b], { added: [], removed: [], changed: [], untouched: ['a', 'b'] }],
    ['a service added', [a], [a, b], { added: ['b'], removed: [], changed: [], untouched: ['a'] }],
    ['a service removed', [a, b], [a], { added: [], removed: ['b'], changed: [], untouched: ['a'] }],
    ['a service changed', [a, b], [a, { ...b, env: { X: '2' } }], { added: [], removed: [], changed: ['b'], untouched: ['a'] }],
    ['key order does not matter', [b], [{ env: { X: '1' }, command: ['b'], name: 'b' }], { added: [], removed: [], changed: [], untouched: ['b'] }],
    ['scale up: only the new instances', [w(2)], [w(4)], { added: ['w:2', 'w:3'], removed: [], changed: [], untouched: ['w:0', 'w:1'] }],
    ['scale down: the highest instances go', [w(3)], [w(1)], { added: [], removed: ['w:1', 'w:2'], changed: [], untouched: ['w:0'] }],
    ['an autoscale policy change restarts nothing', [w(2)], [w(2, { autoscale: { max: 4, metric: 'cpu', target: 50 } })], { added: [], removed: [], changed: [], untouched: ['w:0', 'w:1'] }],
    ['a changed command restarts every instance', [w(2)], [w(2, { command: ['w2', '{port}'] })], { added: [], removed: [], changed: ['w:0', 'w:1'], untouched: [] }],
    ['a renamed service is one removed and one added', [a], [{ ...a, name: 'a2' }], { added: ['a2'], removed: ['a'], changed: [], untouched: [] }],
  ])('%s', (_what, before, after, expected) => {
    const d = diffServices(services(before), services(after));
    expect({ added: d.added.map((s) => s.name), removed: d.removed, changed: d.changed.map((s) => s.name), untouched: d.untouched }).toEqual(expected);
  });

  it('describes a diff in one line', () => {
    const d = diffServices(services([a]), services([a, b]));
    expect(describeDiff(d)).toBe('added b; removed -; changed -; 1 untouched');
    expect(diffIsEmpty(d)).toBe(false);
    expect(diffIsEmpty(diffServices(services([a]), services([a])))).toBe(true);
  });
});
