// An immutable (chattr +i) config failed config-corrupt mid-trial with a bare "EPERM": it must be refused up front, nothing changed, the cause named.
import { afterEach, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { systemClock } from '../../src/platform/clock.js';
import { RestoreStack } from '../../src/drill/restore-stack.js';
import { configCorruptScenario } from '../../src/drill/scenario-config-corrupt.js';
import type { DrillContext } from '../../src/drill/drill-context.js';
import type { ServiceStatus } from '../../src/daemon/service-runtime.js';

const immutable: string[] = [];
afterEach(() => {
  for (const f of immutable.splice(0)) spawnSync('chattr', ['-i', f]);
});

describe('config-corrupt on an immutable config', () => {
  it('refuses before touching anything and says why', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'clawback-immutable-'));
    const file = path.join(dir, 'gateway.json');
    writeFileSync(file, '{"name":"demo-gateway"}\n');
    const r = spawnSync('chattr', ['+i', file], { encoding: 'utf8' });
    expect(r.status, `chattr +i needs root and a filesystem with attributes: ${r.stderr}`).toBe(0);
    immutable.push(file);
    const ctx = {
      clock: systemClock(),
      link: { service: async () => undefined, action: async () => ({ status: 200, message: 'ok' }) },
      target: { stateDir: dir, service: { name: 'gw', configFile: { path: file }, doctor: { keepSnapshots: 5, snapshotAfter: 0 } } },
      restore: new RestoreStack(() => undefined),
      say: () => undefined,
      timeoutMs: 1000,
    } as unknown as DrillContext;
    // The pid is never signalled: the refusal comes first.
    const run = await configCorruptScenario.run(ctx, 1, { name: 'gw', pid: 2 ** 22 + 1 } as unknown as ServiceStatus);
    expect(run.asExpected).toBe(false);
    expect(run.outcome).toBe(`refused, nothing changed: ${file} cannot be written (EPERM: immutable (chattr +i; see lsattr)): the drill could not break it and put it back; make it writable (e.g. chattr -i) or leave config-corrupt out`);
    expect(readFileSync(file, 'utf8')).toBe('{"name":"demo-gateway"}\n');
  });
});
