// /metrics after a reload takes a service's memory limit away (applied in place): its limit series goes with it.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { FIXTURES, NODE, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';
import { parseExposition, sample } from './exposition.js';

let td: TestDaemon | undefined;
afterEach(async () => {
  await td?.stop();
  td = undefined;
});

describe('clawback_service_memory_limit_bytes after a reload', () => {
  it('is dropped when the memory probe is removed (the old limit stayed for the daemon life) and follows a changed limit', async () => {
    td = await startTestDaemon({
      services: [{ name: 'a', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')], probes: [{ kind: 'memory', limit: '1GB', interval: '200ms' }] }],
    });
    const d = td.daemon;
    const limit = async (): Promise<number | undefined> =>
      sample(parseExposition(await (await fetch(`http://127.0.0.1:${d.api!.port}/metrics`)).text()), 'clawback_service_memory_limit_bytes', { service: 'a' });
    await waitFor(async () => (await limit()) === 1e9, { timeoutMs: 15_000 });
    const pid = d.runtimes.get('a')!.status().pid;

    const reload = async (probes: unknown[]): Promise<void> => {
      const cfg = YAML.parse(readFileSync(td!.configFile, 'utf8')) as { services: Array<{ name: string; probes?: unknown[] }> };
      cfg.services[0]!.probes = probes;
      writeFileSync(td!.configFile, YAML.stringify(cfg));
      expect((await d.command('/api/reload', new URLSearchParams({ by: 'test' })))?.status).toBe(200);
    };
    await reload([{ kind: 'memory', limit: '2GB', interval: '200ms' }]);
    await waitFor(async () => (await limit()) === 2e9, { timeoutMs: 15_000 });

    await reload([{ kind: 'process', interval: '200ms' }]);
    await waitFor(async () => d.runtimes.get('a')!.status().probes.some((p) => p.kind === 'process'), { timeoutMs: 15_000 });
    // Applied in place (same process): the limit is gone from the config, so it is gone from /metrics.
    expect(d.runtimes.get('a')!.status().pid).toBe(pid);
    await waitFor(async () => (await limit()) === undefined, { timeoutMs: 15_000 });
  }, 60_000);
});
