// The API agent's write_config is a compare-and-swap against the config it read: a person's save landing between the
// model's read_config and its write_config (model turns, the validator's seconds) is never overwritten.
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
const PERSON = `${JSON.stringify({ ...JSON.parse(GOOD_CONFIG), name: 'saved-by-a-person' })}\n`;

let fx: DoctorFixture;
beforeEach(async () => {
  fx = await makeFixture();
  await fs.writeFile(fx.configPath, BROKEN);
});
afterEach(() => fx.cleanup());

function tools() {
  const ctx = { stateDir: fx.stateDir, clock: fx.clock, emit: (e: never) => fx.events.push(e) } as unknown as DaemonContext;
  const runtime = () => ({ status: () => ({ state: 'stopped', pid: null }) }) as unknown as ServiceRuntime;
  const host = emergencyHost(fx.service, ctx, runtime, new SnapshotStores());
  const seen: ConfigSeen = {};
  return (name: string, args: unknown) => executeToolCall(name, args, { host, redactor: new Redactor(), mode: 'fix', seen });
}

it('a person saves the config after the model read it: write_config writes nothing and says so; the save stays', { timeout: 30_000 }, async () => {
  const call = tools();
  expect((await call('read_config', {})).content).toContain('18789');
  await fs.writeFile(fx.configPath, PERSON);
  const r = await call('write_config', { text: GOOD_CONFIG });
  expect(r.content).toMatch(/changed while the repair was being prepared .*nothing written.*read_config again/s);
  expect(await fs.readFile(fx.configPath, 'utf8')).toBe(PERSON);
  // Read again, the model's write goes through; and its next write is based on what it wrote.
  await call('read_config', {});
  expect((await call('write_config', { text: GOOD_CONFIG })).content).toMatch(/wrote /);
  expect(await fs.readFile(fx.configPath, 'utf8')).toBe(GOOD_CONFIG);
  expect((await call('write_config', { text: PERSON })).content).toMatch(/wrote /);
  expect(await fs.readFile(fx.configPath, 'utf8')).toBe(PERSON);
});
