// A model rewriting the config over and over must not prune the snapshot history (the broken bytes kept as evidence).
import { afterEach, beforeEach, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import { emergencyHost } from '../../src/daemon/emergency-wiring.js';
import { SnapshotStores } from '../../src/daemon/doctor-wiring.js';
import type { DaemonContext } from '../../src/daemon/daemon.js';
import type { ServiceRuntime } from '../../src/daemon/service-runtime.js';
import { executeToolCall, type ConfigSeen } from '../../src/emergency/tool-set.js';
import { Redactor } from '../../src/observe/redact.js';
import { makeFixture, GOOD_CONFIG, type DoctorFixture } from '../doctor/doctor-fixtures.js';

const BROKEN = '{"name":"demo-gateway","host":"127.0.0.1","port":"18789"}\n';
const OTHER = `${JSON.stringify({ ...JSON.parse(GOOD_CONFIG), name: 'other' })}\n`;

let fx: DoctorFixture;
beforeEach(async () => {
  fx = await makeFixture();
  await fs.writeFile(fx.configPath, BROKEN);
});
afterEach(() => fx.cleanup());

function run(stores: SnapshotStores) {
  const ctx = { stateDir: fx.stateDir, clock: fx.clock, emit: (e: never) => fx.events.push(e) } as unknown as DaemonContext;
  const runtime = () => ({ status: () => ({ state: 'stopped', pid: null }) }) as unknown as ServiceRuntime;
  const host = emergencyHost(fx.service, ctx, runtime, stores);
  const seen: ConfigSeen = {};
  return { host, call: (name: string, args: unknown) => executeToolCall(name, args, { host, redactor: new Redactor(), mode: 'fix', seen }) };
}

it('24 alternating write_config calls in one run save one pre-repair copy (the bytes before the run); a later run saves its own', { timeout: 120_000 }, async () => {
  const stores = new SnapshotStores();
  const { host, call } = run(stores);
  await call('read_config', {});
  for (let i = 0; i < 24; i++) expect((await call('write_config', { text: i % 2 ? OTHER : GOOD_CONFIG })).content).toMatch(/\nwrote /);
  expect(await fs.readFile(fx.configPath, 'utf8')).toBe(OTHER);
  const list = await host.listSnapshots();
  // Before: each write saved the bytes it replaced, and past the store's 20 pre-repair copies the broken config was pruned.
  expect(list).toHaveLength(1);
  expect(await host.readSnapshot(list[0]!.id)).toBe(BROKEN);
  // A new run's first write saves the bytes it replaces, though an earlier run wrote them.
  const next = run(stores);
  await next.call('read_config', {});
  expect((await next.call('write_config', { text: GOOD_CONFIG })).content).toMatch(/previous version snapshotted as pre-repair--/);
  expect(await next.host.listSnapshots()).toHaveLength(2);
});
