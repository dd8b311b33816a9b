// OpenClaw exits 78 when its config is edited while it starts ("migration inputs changed during startup ... Restart
// OpenClaw"): a valid edit at the wrong moment held the gateway as "configuration broken", ran Level 2 (its doctor
// rewrote the valid file, dropping its comments) and, the doctor finding nothing, climbed to a human. A new start cures it.
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { afterEach, describe, expect, it } from 'vitest';
import { FIXTURES, NODE, startTestDaemon, tempDir, type TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';
import { loadConfig } from '../../src/config/load.js';
import { policyFor } from '../../src/decide/policy.js';
import { openclawService } from '../../src/presets/openclaw.js';

let td: TestDaemon | undefined;
afterEach(async () => {
  await td?.stop();
  td = undefined;
});

const presetRetry = (): string => (openclawService().restart as { retryPattern: string }).retryPattern;

describe("OpenClaw's exit 78 after a config edit during its start", () => {
  it('is restarted like a crash: no hold, no doctor run, up again', { timeout: 60_000 }, async () => {
    const dir = tempDir('clawback-migration-refusal-');
    const counter = path.join(dir, 'starts');
    td = await startTestDaemon(
      {
        services: [
          {
            name: 'gw',
            command: [NODE, path.join(FIXTURES, 'migration-refusal.mjs'), counter],
            restart: { preventExitCodes: [78], retryPattern: presetRetry(), backoff: { initial: '100ms', max: '1s' } },
            doctor: { command: [NODE, '-e', 'process.exit(0)'], attempts: 1 },
          },
        ],
      },
      { dir },
    );
    const t = td;
    const rt = t.daemon.runtimes.get('gw')!;
    await waitFor(() => t.events.some((e) => e.type === 'service.exited'), { timeoutMs: 20_000, message: 'the exit 78' });
    await waitFor(() => rt.status().held || (rt.status().restarts >= 1 && rt.status().state === 'running' && rt.status().pid), { timeoutMs: 20_000, message: 'restarted or held' });
    expect(rt.status().held).toBeNull();
    expect(rt.status().state).toBe('running');
    expect(t.events.filter((e) => e.type.startsWith('doctor.'))).toEqual([]);
    expect(t.events.some((e) => e.type === 'breaker.tripped')).toBe(false);
  });

  it('a broken-config exit 78 is still held for the doctor', { timeout: 60_000 }, async () => {
    td = await startTestDaemon({
      services: [
        {
          name: 'gw',
          command: [NODE, '-e', "console.error('Invalid config at /x/openclaw.json: gateway.port: expected number'); process.exit(78)"],
          restart: { preventExitCodes: [78], retryPattern: presetRetry() },
          doctor: { command: [NODE, '-e', 'setTimeout(() => {}, 60000)'], attempts: 1, timeout: '30s' },
        },
      ],
    });
    const rt = td.daemon.runtimes.get('gw')!;
    await waitFor(() => rt.status().held, { timeoutMs: 20_000, message: 'held' });
    expect(rt.status().held?.reason).toBe('config');
  });

  it('a clawback.yaml from an older init gets the pattern at load; "" turns it off', () => {
    const load = (retry: string | undefined): string | undefined => {
      const svc = openclawService({ openclaw: ['/opt/node24/bin/node', '/opt/openclaw/openclaw.mjs'], home: '/tmp/x', port: 28999 });
      const r = svc.restart as Record<string, unknown>;
      if (retry === undefined) delete r.retryPattern;
      else r.retryPattern = retry;
      const d = mkdtempSync(path.join(os.tmpdir(), 'clawback-retry-pattern-'));
      const file = path.join(d, 'clawback.yaml');
      writeFileSync(file, YAML.stringify({ stateDir: path.join(d, 'state'), services: [svc] }));
      return policyFor(loadConfig({ file, env: {} }).config.services[0]!, { doctor: true, agent: false }).retryPattern;
    };
    expect(load(undefined)).toBe(presetRetry());
    expect(load('')).toBeUndefined();
  });
});
