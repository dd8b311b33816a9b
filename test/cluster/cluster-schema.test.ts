// The `cluster:` block and `placement` are checked at load, with the field, the value and what was expected.
import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/config/load.js';
import { effectiveCount } from '../../src/instances/scale-store.js';

function problems(raw: unknown): string {
  try {
    validateConfig(raw, 'test.yaml');
    return '';
  } catch (err) {
    return (err as Error).message;
  }
}

const cluster = { member: 'host-a', endpoints: ['http://127.0.0.1:2379'] };

describe('cluster config', () => {
  it('accepts a cluster with a singleton service and fills the defaults', () => {
    const cfg = validateConfig({ cluster, services: [{ name: 'gw', command: ['node'], placement: 'singleton' }] }, 'test.yaml');
    expect(cfg.cluster).toMatchObject({ member: 'host-a', leaseTtl: 10_000, prefix: 'clawback', pollInterval: 250, configMaxBytes: 262_144 });
    expect(cfg.services[0]!.placement).toBe('singleton');
  });

  it('defaults every service to everywhere (today\'s behaviour)', () => {
    const cfg = validateConfig({ services: [{ name: 'gw', command: ['node'] }] }, 'test.yaml');
    expect(cfg.services[0]!.placement).toBe('everywhere');
    expect(cfg.cluster).toBeUndefined();
  });

  it('refuses a singleton without a cluster, and an external singleton', () => {
    expect(problems({ services: [{ name: 'gw', command: ['node'], placement: 'singleton' }] })).toMatch(/services\[0\]\.placement: placement: singleton needs a `cluster:` block/);
    expect(problems({ cluster, services: [{ name: 'gw', placement: 'singleton', external: { pidFile: '/run/gw.pid', restartCommand: ['true'] } }] })).toMatch(/not `external` ones/);
  });

  it('refuses a singleton with instances or autoscale: one instance across the cluster, not one election per instance', () => {
    const two = problems({ cluster, services: [{ name: 'gw', command: ['node'], placement: 'singleton', instances: 2 }] });
    expect(two).toMatch(/services\[0\]\.instances: placement: singleton runs exactly one instance across the cluster; expected at most 1 \(or no `instances`\) with placement: singleton \(got 2\)/);
    // instances: 1 stays valid (a config that had it keeps loading); scaling it is refused, and a kept count ignored.
    expect(problems({ cluster, services: [{ name: 'gw', command: ['node'], placement: 'singleton', instances: 1 }] })).toBe('');
    expect(effectiveCount({ name: 'gw', instances: 1, placement: 'singleton' }, { gw: { instances: 3, fileInstances: 1, by: 'cli', at: 0 } })).toBe(1);
    expect(effectiveCount({ name: 'web', instances: 1, placement: 'everywhere' }, { web: { instances: 3, fileInstances: 1, by: 'cli', at: 0 } })).toBe(3);
    const auto = problems({ cluster, services: [{ name: 'gw', command: ['node'], placement: 'singleton', autoscale: { max: 3, metric: 'cpu', target: 50 } }] });
    expect(auto).toMatch(/services\[0\]\.autoscale: placement: singleton runs exactly one instance across the cluster; expected no `autoscale` with placement: singleton \(got min 1, max 3\)/);
    // Scaled services that run everywhere stay as they were.
    expect(problems({ cluster, services: [{ name: 'web', command: ['node'], instances: 2 }] })).toBe('');
  });

  it('names the field, the value and what was expected', () => {
    const text = problems({ cluster: { member: 'a b', endpoints: ['etcd:2379'], leaseTtl: '500ms', auth: { username: 'u' } }, services: [{ name: 'gw', command: ['node'] }] });
    expect(text).toMatch(/cluster\.member: expected a member name/);
    expect(text).toMatch(/cluster\.endpoints\[0\]: expected an etcd client URL such as http:\/\/127\.0\.0\.1:2379 \(got "etcd:2379"\)/);
    expect(text).toMatch(/cluster\.leaseTtl: expected a lease TTL between 5s and 5m/);
    expect(text).toMatch(/cluster\.auth: expected exactly one of password or passwordEnv/);
  });

  it('refuses endpoints the etcd client can never dial, naming the field, without showing a password in the URL', () => {
    // A user and password in the URL passed, and the daemon never reached etcd: the client took them for part of the
    // host name, and its error, with the password in it, went to the journal, the alerts and `cluster status`.
    const creds = problems({ cluster: { ...cluster, endpoints: ['http://127.0.0.1:2379', 'http://root:hunter2secret@127.0.0.1:2380'] }, services: [{ name: 'gw', command: ['node'] }] });
    expect(creds).toMatch(/cluster\.endpoints\[1\]: the etcd client cannot use a user or password in the URL .*expected http:\/\/127\.0\.0\.1:2380 here and the user in cluster\.auth/);
    expect(creds).not.toMatch(/hunter2secret/);
    expect(problems({ cluster: { ...cluster, endpoints: ['http://:2379'] }, services: [{ name: 'gw', command: ['node'] }] })).toMatch(/cluster\.endpoints\[0\]: expected an etcd client URL/);
    expect(problems({ cluster: { ...cluster, endpoints: ['http://127.0.0.1:99999'] }, services: [{ name: 'gw', command: ['node'] }] })).toMatch(/cluster\.endpoints\[0\]: expected an etcd client URL .*99999/);
    for (const ok of ['https://10.0.0.1:2379/', 'http://[::1]:2379', 'http://etcd-1.example:2379', 'http://localhost']) {
      expect(problems({ cluster: { ...cluster, endpoints: [ok] }, services: [{ name: 'gw', command: ['node'] }] }), ok).toBe('');
    }
  });
});
