// scale.json edited by hand with a count past what `clawback scale` accepts (64) started that many instances at the
// next daemon start (500 node processes for `instances: 2`): the loader kept no bound of its own.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { loadConfig } from '../../src/config/load.js';
import { markServices, startTestDaemon, tempDir, type TestDaemon } from '../helpers/daemon.js';
import { freePortRun, waitHealthy, webService } from './instance-helpers.js';

let td: TestDaemon | undefined;
afterEach(async () => {
  await td?.stop();
  td = undefined;
});

function handEdited(stateDir: string, services: Record<string, unknown>): string {
  mkdirSync(stateDir, { recursive: true });
  const text = JSON.stringify({ version: 1, services });
  writeFileSync(path.join(stateDir, 'scale.json'), text);
  return text;
}

describe('scale.json with a count past the bound', () => {
  it('the loader applies the file counts for out-of-range entries, keeps the good ones, and warns naming them', () => {
    const dir = tempDir();
    const stateDir = path.join(dir, 'state');
    const file = path.join(dir, 'clawback.yaml');
    const api = { name: 'api', command: ['node', 'api.js', '{port}'], port: 40100, instances: 2 };
    writeFileSync(file, YAML.stringify(markServices({ services: [webService(40000, 2), api, { ...api, name: 'jobs', port: 40200 }] })));
    handEdited(stateDir, {
      web: { instances: 500, fileInstances: 2, by: 'cli:someone', at: 0 },
      api: { instances: 3, fileInstances: 2, by: 'cli:someone', at: 0 },
      jobs: { instances: 0, fileInstances: 2, by: 'cli:someone', at: 0 },
    });
    const loaded = loadConfig({ file, stateDir });
    expect(loaded.config.services.map((s) => s.name).sort()).toEqual(['api:0', 'api:1', 'api:2', 'jobs:0', 'jobs:1', 'web:0', 'web:1']);
    expect(loaded.warnings.join('\n')).toContain('expected instance counts from 1 to 64, got web: 500, jobs: 0; not applied');
  });

  it('a hand-edited count of 500 for `instances: 2`: the daemon starts 2 and the file stays as it was', async () => {
    const base = await freePortRun(2);
    const dir = tempDir();
    const text = handEdited(path.join(dir, 'state'), { web: { instances: 500, fileInstances: 2, by: 'cli:someone', at: 0 } });
    td = await startTestDaemon({ services: [webService(base, 2)] }, { dir });
    const d = td.daemon;
    expect([...d.runtimes.keys()].sort()).toEqual(['web:0', 'web:1']);
    await waitHealthy(d, ['web:0', 'web:1']);
    expect(readFileSync(path.join(td.stateDir, 'scale.json'), 'utf8')).toBe(text);
    const r = await d.command('/api/services/web/scale', new URLSearchParams({ instances: '1', by: 'test' }));
    expect(r?.status, String(r?.body.message)).toBe(200);
    expect(String(r?.body.message)).toContain('scaled from 2 to 1');
  }, 60_000);
});
