// Level 3's write_config / restore_snapshot obey the doctor's read-only guard: a config that is not Clawback's to write
// (chmod a-w, OPENCLAW_CONFIG_READONLY / OPENCLAW_NIX_MODE) is not replaced by the agent's tools either.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import { emergencyHost } from '../../src/daemon/emergency-wiring.js';
import { SnapshotStores } from '../../src/daemon/doctor-wiring.js';
import type { DaemonContext } from '../../src/daemon/daemon.js';
import type { ServiceRuntime } from '../../src/daemon/service-runtime.js';
import { makeFixture, GOOD_CONFIG, type DoctorFixture } from '../doctor/doctor-fixtures.js';

const BROKEN = '{"name":"demo-gateway","host":"127.0.0.1","port":"18789"}\n';

describe('Level 3 config writes and a config that is not ours to write', () => {
  let fx: DoctorFixture;
  beforeEach(async () => {
    fx = await makeFixture();
    await fs.writeFile(fx.configPath, BROKEN);
  });
  afterEach(() => fx.cleanup());

  const host = () => {
    const ctx = { stateDir: fx.stateDir, clock: fx.clock, emit: (e: never) => fx.events.push(e) } as unknown as DaemonContext;
    const runtime = () => ({ status: () => ({ state: 'stopped', pid: null }) }) as unknown as ServiceRuntime;
    return emergencyHost(fx.service, ctx, runtime, new SnapshotStores());
  };

  it('a read-only file (chmod 0444): write_config is refused, saying why, and the file and its mode stay', async () => {
    await fs.chmod(fx.configPath, 0o444);
    const r = await host().writeConfig(GOOD_CONFIG);
    expect(r).toMatch(/^refused: .* is read-only \(mode 0444\).*nothing was written$/);
    expect(await fs.readFile(fx.configPath, 'utf8')).toBe(BROKEN);
    expect((await fs.stat(fx.configPath)).mode & 0o777).toBe(0o444);
  });

  it('OPENCLAW_CONFIG_READONLY=1: restore_snapshot is refused too', async () => {
    fx.withService({ env: { ...fx.service.env, OPENCLAW_CONFIG_READONLY: '1' } });
    const snap = await fx.snapshots.save(Buffer.from(GOOD_CONFIG), { sourcePath: fx.configPath, reason: 'test', kind: 'last-known-good', mode: 0o640 });
    const h = host();
    const id = (await h.listSnapshots())[0]?.id ?? snap.id;
    const r = await h.restoreSnapshot(id);
    expect(r).toMatch(/^refused: OPENCLAW_CONFIG_READONLY=1: the service treats .* as immutable/);
    expect(await fs.readFile(fx.configPath, 'utf8')).toBe(BROKEN);
  });

  it('a writable config is still written (the guard blocks nothing else)', async () => {
    const r = await host().writeConfig(GOOD_CONFIG);
    expect(r).toMatch(/^wrote /);
    expect(await fs.readFile(fx.configPath, 'utf8')).toBe(GOOD_CONFIG);
  });
});
