// cluster.tls with an http:// endpoint is warned about at load: the client speaks TLS to every endpoint, whatever its scheme.
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

function load(cluster: Record<string, unknown>): string[] {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'clawback-tls-scheme-'));
  dirs.push(dir);
  const file = path.join(dir, 'clawback.yaml');
  writeFileSync(file, YAML.stringify({ cluster: { member: 'a', ...cluster }, services: [{ name: 'gw', placement: 'singleton', command: ['node'] }] }));
  return loadConfig({ file, stateDir: path.join(dir, 'state') }).warnings;
}

describe('cluster.tls next to http:// endpoints', () => {
  it('names each http:// endpoint, the scheme and what was expected', () => {
    const warnings = load({ endpoints: ['https://127.0.0.1:2379', 'http://127.0.0.1:2380'], tls: { ca: '/etc/clawback/ca.pem' } });
    expect(warnings).toEqual([
      'cluster.endpoints[1]: http://127.0.0.1:2380 is http:// but cluster.tls is set, so this member speaks TLS to it (a plain-HTTP etcd there never answers); expected https://127.0.0.1:2380, or no cluster.tls for an etcd that serves plain http://',
    ]);
  });

  it('says nothing for https:// endpoints with TLS, or http:// ones without it', () => {
    expect(load({ endpoints: ['https://127.0.0.1:2379'], tls: { ca: '/etc/clawback/ca.pem' } })).toEqual([]);
    expect(load({ endpoints: ['http://127.0.0.1:2379'] })).toEqual([]);
  });
});
