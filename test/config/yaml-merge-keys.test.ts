// docker-compose style YAML (`x-defaults: &defaults` and `<<: *defaults`) was refused: "unknown key(s) "<<"" and
// "unknown key(s) "x-defaults"", so shared settings had to be copied into every service. Merge keys now merge,
// top-level x- keys are the file's own, and the recursive-alias and alias-count guards still refuse, never crash.
import { describe, expect, it } from 'vitest';
import { parseConfigSource, validateConfig } from '../../src/config/load.js';
import { configJsonSchema } from '../../src/config/json-schema.js';
import { configProblems } from '../helpers/config-problems.js';

const COMPOSE_STYLE = `
x-defaults: &defaults
  restart: { policy: on-failure, stableAfter: 1m }
  env: { NODE_ENV: production, LEVEL: info }
services:
  - <<: *defaults
    name: web
    command: [node, web.js]
    env: { LEVEL: debug }
  - <<: *defaults
    name: worker
    command: [node, worker.js]
`;

describe('YAML merge keys', () => {
  it('merge the anchored block into each service; keys written beside the merge win', () => {
    expect(configProblems(COMPOSE_STYLE)).toBe('');
    const config = validateConfig(parseConfigSource(COMPOSE_STYLE, 'c.yaml'), 'c.yaml');
    const [web, worker] = config.services;
    expect(web!.restart.policy).toBe('on-failure');
    expect(web!.restart.stableAfter).toBe(60_000);
    expect(web!.env).toEqual({ LEVEL: 'debug' }); // a whole key replaced, as YAML merge keys do (not a deep merge)
    expect(worker!.env).toEqual({ NODE_ENV: 'production', LEVEL: 'info' });
    expect(worker!.restart.policy).toBe('on-failure');
  });

  it('a top-level x- key is the file\'s own; any other unknown key is still refused', () => {
    expect(configProblems('x-anything: {a: 1}\nservices: [{name: w, command: [sleep, "1"]}]\n')).toBe('');
    expect(configProblems('y-anything: 1\nservices: [{name: w, command: [sleep, "1"]}]\n')).toContain('(top level): unknown key(s) "y-anything"');
  });

  it('a merge inside its own anchor, an exponential one, or a merge of a non-map is invalid config, never a crash', () => {
    const self = configProblems('x-a: &a\n  <<: *a\nservices: [{name: w, command: [sleep, "1"]}]\n');
    expect(self).toContain('(file): cannot parse:');
    expect(self).toContain('inside the block &name anchors');
    const lines = ['x-a0: &a0 {v: [x, x, x, x, x, x, x, x, x, x]}'];
    for (let i = 1; i < 12; i++) lines.push(`x-a${i}: &a${i} {<<: *a${i - 1}, ${Array.from({ length: 10 }, (_, j) => `k${j}: *a${i - 1}`).join(', ')}}`);
    lines.push('services: [{name: w, command: [sleep, "1"], env: {<<: *a11}}]');
    expect(configProblems(lines.join('\n'))).toContain('(file): cannot parse: Excessive alias count');
    expect(configProblems('services: [{<<: 5, name: w, command: [sleep, "1"]}]\n')).toContain('(file): cannot parse: Merge sources must be maps');
    // A recursive plain alias keeps its own message.
    expect(configProblems('services: &x\n  - name: a\n    command: [sleep, "1"]\n    dependsOn: *x\n')).toContain('services[0].dependsOn: contains itself');
  });

  it('the editor schema accepts top-level x- keys', () => {
    expect(configJsonSchema().patternProperties).toEqual({ '^x-': {} });
  });
});
