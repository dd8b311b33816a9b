// instances: N expanded into NAME:i with {instance} and {port} substituted; clear errors; the scale override rule.
import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/config/errors.js';
import { effectiveCount, type ScaleOverrides } from '../../src/instances/scale-store.js';
import { namesFor, parseInstanceName } from '../../src/instances/instance-name.js';

const web = (extra: Record<string, unknown> = {}) => ({
  name: 'web',
  command: ['node', 'server.mjs', '--port', '{port}', '--id', 'w{instance}'],
  port: 8100,
  instances: 3,
  env: { SLOT: '{instance}', URL: 'http://127.0.0.1:{port}/' },
  probes: [
    { kind: 'http', url: 'http://127.0.0.1:{port}/health' },
    { kind: 'tcp', port: 8100 },
  ],
  configFile: { path: '/etc/web-{instance}.json' },
  ...extra,
});

function problemsOf(raw: unknown): string[] {
  try {
    validateConfig(raw, 'test.yaml');
  } catch (err) {
    if (err instanceof ConfigError) return err.problems.map((p) => `${p.path}: ${p.message}`);
    throw err;
  }
  return [];
}

describe('expansion of instances', () => {
  it('makes NAME:0..N-1 with the placeholders of each instance', () => {
    const cfg = validateConfig({ services: [web(), { name: 'db', command: ['db'] }] }, 'test.yaml');
    expect(cfg.services.map((s) => s.name)).toEqual(['web:0', 'web:1', 'web:2', 'db']);
    const w2 = cfg.services[2]!;
    expect(w2.command).toEqual(['node', 'server.mjs', '--port', '8102', '--id', 'w2']);
    expect(w2.port).toBe(8102);
    expect(w2.env).toMatchObject({ SLOT: '2', URL: 'http://127.0.0.1:8102/', CLAWBACK_INSTANCE: '2' });
    expect(w2.probes[0]).toMatchObject({ kind: 'http', url: 'http://127.0.0.1:8102/health' });
    expect(w2.probes[1]).toMatchObject({ kind: 'tcp', port: 8102 });
    expect(w2.configFile?.path).toBe('/etc/web-2.json');
    expect(cfg.services[3]!.name).toBe('db');
  });

  it('extends dependsOn and groups that name a scaled service to all its instances', () => {
    const cfg = validateConfig(
      { services: [web({ instances: 2 }), { name: 'proxy', command: ['p'], dependsOn: ['web'] }], groups: [{ name: 'g', strategy: 'one_for_all', services: ['web', 'proxy'] }] },
      'test.yaml',
    );
    expect(cfg.services.find((s) => s.name === 'proxy')!.dependsOn).toEqual(['web:0', 'web:1']);
    expect(cfg.groups[0]!.services).toEqual(['web:0', 'web:1', 'proxy']);
  });

  it('leaves a service without instances alone, placeholders included', () => {
    const cfg = validateConfig({ services: [{ name: 'one', command: ['x', '{port}'] }] }, 'test.yaml');
    expect(cfg.services.map((s) => [s.name, s.command])).toEqual([['one', ['x', '{port}']]]);
  });

  it('autoscale without instances starts at autoscale.min', () => {
    const cfg = validateConfig({ services: [web({ instances: undefined, autoscale: { min: 2, max: 5, metric: 'cpu', target: 50 } })] }, 'test.yaml');
    expect(cfg.services.map((s) => s.name)).toEqual(['web:0', 'web:1']);
  });

  it.each([
    ['{port} without a base port', { port: undefined }, 'services[0].port: expected a base port (a number): {port} is used in'],
    ['ports past 65535', { port: 65534 }, 'services[0].port: expected a base port that leaves room for 3 instances'],
    ['instances 0', { instances: 0 }, 'services[0].instances:'],
    ['a bad URL after substitution', { probes: [{ kind: 'http', url: 'http//nope:{port}' }] }, 'services[0].probes[0].url: expected an http:// or https:// URL'],
    ['autoscale min above max', { autoscale: { min: 4, max: 2, metric: 'cpu', target: 50 } }, 'services[0].autoscale.min: expected min (4) at most max (2)'],
    ['autoscale command without a command', { autoscale: { max: 2, metric: 'command', target: 5 } }, 'services[0].autoscale.command: expected a command'],
    ['autoscale rss with a bad size', { autoscale: { max: 2, metric: 'rss', target: 'lots' } }, 'services[0].autoscale.target: expected a size'],
  ])('rejects %s with the field named', (_what, extra, expected) => {
    const problems = problemsOf({ services: [web(extra)] });
    expect(problems.join('\n')).toContain(expected);
  });
});

describe('instance names', () => {
  it('parses NAME:i and finds the instances of a group', () => {
    expect(parseInstanceName('web:12')).toEqual({ group: 'web', instance: 12 });
    expect(parseInstanceName('web')).toBeNull();
    expect(namesFor('web', ['web:10', 'db', 'web:2', 'webx:1'])).toEqual(['web:2', 'web:10']);
    expect(namesFor('web:2', ['web:2', 'web:3'])).toEqual(['web:2']);
    expect(namesFor('nope', ['web:2'])).toEqual([]);
  });
});

describe('scale override vs the file', () => {
  const o = (instances: number, fileInstances: number | null): ScaleOverrides => ({ web: { instances, fileInstances, by: 'test', at: 0 } });
  it.each([
    ['no override: the file', { instances: 3 }, {}, 3],
    ['an override made against the same file count', { instances: 3 }, o(5, 3), 5],
    ['the file changed since: the file wins', { instances: 4 }, o(5, 3), 4],
    ['autoscale bounds clamp an override', { instances: 2, autoscale: { min: 1, max: 4 } }, o(9, 2), 4],
    ['autoscale without instances: override kept while the file has none', { autoscale: { min: 2, max: 6 } }, o(5, null), 5],
  ])('%s', (_what, s, overrides, expected) => {
    expect(effectiveCount({ name: 'web', ...(s as object) } as never, overrides)).toBe(expected);
  });
});
