// A singleton whose stop.grace is longer than the lease TTL is warned about (a fence SIGKILLs it mid-shutdown) at load (validate, run, reload).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { loadConfig } from '../../src/config/load.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function load(config: unknown): string[] {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'clawback-fence-grace-'));
  dirs.push(dir);
  const file = path.join(dir, 'clawback.yaml');
  writeFileSync(file, YAML.stringify(config));
  return loadConfig({ file, stateDir: path.join(dir, 'state') }).warnings;
}

const cluster = { member: 'a', endpoints: ['http://127.0.0.1:2379'], leaseTtl: '10s' };

describe('a singleton stop grace longer than the lease TTL', () => {
  it('is named with the field, the value, what a fence leaves and what was expected', () => {
    const warnings = load({ cluster, services: [{ name: 'gw', placement: 'singleton', command: ['node'], stop: { grace: '30s' } }] });
    expect(warnings).toEqual([
      'service "gw": services[0].stop.grace: 30s is longer than the 3s a singleton gets when this member loses etcd and fences itself (30 % of cluster.leaseTtl 10s): its guard then SIGKILLs the instance 3s into its shutdown, 27s before stop.grace ends; expected stop.grace at most 3s, or cluster.leaseTtl at least 100s',
    ]);
  });

  it('says nothing when the grace fits, for services that run everywhere, or without a cluster', () => {
    expect(load({ cluster, services: [{ name: 'gw', placement: 'singleton', command: ['node'], stop: { grace: '3s' } }] })).toEqual([]);
    // The defaults (grace 5 s, TTL 10 s) and a grace up to the TTL: no line (a fence still leaves 3 s).
    expect(load({ cluster, services: [{ name: 'gw', placement: 'singleton', command: ['node'] }] })).toEqual([]);
    expect(load({ cluster, services: [{ name: 'gw', placement: 'singleton', command: ['node'], stop: { grace: '10s' } }] })).toEqual([]);
    expect(load({ cluster, services: [{ name: 'gw', placement: 'singleton', command: ['node'], stop: { grace: '11s' } }] })[0]).toMatch(/^service "gw": services\[0\]\.stop\.grace: 11s is longer than the 3s/);
    expect(load({ cluster, services: [{ name: 'gw', command: ['node'], stop: { grace: '30s' } }] })).toEqual([]);
    expect(load({ services: [{ name: 'gw', command: ['node'], stop: { grace: '30s' } }] })).toEqual([]);
  });
});
