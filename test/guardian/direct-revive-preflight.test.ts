// The guardian's last-resort start runs the daemon's preflight first: never a start into a port held by a stranger, a
// config that does not load, or a state dir another live OpenClaw gateway owns (gateway.state.lock).
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { DAEMON_LOCK_FILE } from '../../src/daemon/daemon-lock.js';
import { FileLock } from '../../src/platform/file-lock.js';
import { systemClock } from '../../src/platform/clock.js';
import { waitFor } from '../helpers/processes.js';
import net from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { reviveServicesDirectly } from '../../src/daemon/direct-revive.js';
import { StateStore } from '../../src/daemon/state-store.js';
import { isAlive } from '../../src/platform/proc.js';
import type { ClawbackEvent } from '../../src/observe/events.js';
import { FIXTURES, NODE } from '../helpers/daemon.js';
import { spawnMarked, type MarkedChild } from '../helpers/processes.js';
import { directReviveHarness } from '../helpers/direct-revive.js';
import { freePort } from '../helpers/ports.js';
import { serviceAlertsOf } from '../../src/daemon/guardian-alert.js';

const revive = directReviveHarness();
const closers: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
  revive.cleanup();
});

const record = (dir: string) => new StateStore(dir).load().state.services.gw!;

/** Nothing started, now or on the next pass; the refusal recorded as the reducer decided it (held, a person told once). */
async function refused(config: Parameters<typeof reviveServicesDirectly>[0], dir: string, says: RegExp): Promise<void> {
  const events: ClawbackEvent[] = [];
  const started = await reviveServicesDirectly(config, dir, (e) => events.push(e));
  const r = record(dir);
  if (r.record.instance) revive.track(r.record.instance.pid);
  expect(started).toEqual([]);
  expect(r.record.instance).toBeNull();
  expect(r.record.phase).toBe('held');
  expect(r.incident?.status).toBe('waiting-human');
  const told = events.filter((e) => e.type === 'incident.escalated');
  expect(told).toHaveLength(1);
  expect(told[0]!.message).toMatch(says);
  expect(events.some((e) => e.type === 'service.started')).toBe(false);
  // What the pass tells a person says why, not a start limit that was never hit.
  const note = serviceAlertsOf(told, () => '3 restarts in 1h')[0]!.message;
  expect(note).toContain('its preflight refused');
  expect(note).not.toContain('start limit');
  // The next pass: still held, nothing started, not said again.
  const again: ClawbackEvent[] = [];
  expect(await reviveServicesDirectly(config, dir, (e) => again.push(e))).toEqual([]);
  expect(record(dir).record.instance).toBeNull();
  expect(again.filter((e) => e.type === 'incident.escalated')).toHaveLength(0);
}

describe('guardian direct revive: preflight before the start', () => {
  it('a port held by a stranger: nothing started, the hold said, the stranger left alone', async () => {
    const stranger = net.createServer();
    await new Promise<void>((resolve) => stranger.listen(0, '127.0.0.1', resolve));
    closers.push(() => new Promise<void>((resolve) => stranger.close(() => resolve())));
    const port = (stranger.address() as net.AddressInfo).port;
    const { dir, config } = revive.setup('clawback-revive-pf-port-', { service: { port } });
    await refused(config, dir, new RegExp(`port ${port}`));
  }, 60_000);

  it('a free port and a config that loads: started as before', async () => {
    const { dir, config: base } = revive.setup('clawback-revive-pf-ok-', { service: { port: await freePort() } });
    const file = path.join(dir, 'svc.json');
    writeFileSync(file, '{ "gateway": {} }');
    const config = { ...base, services: [{ ...base.services[0]!, configFile: { path: file, format: 'json' as const, validateTimeout: 30_000, backupGlobs: [], protect: [] } }] };
    expect(await reviveServicesDirectly(config, dir)).toEqual(['gw']);
    expect(isAlive(revive.startedPid(dir))).toBe(true);
  }, 60_000);

  it('a config file that does not load: nothing started', async () => {
    const { dir, config } = revive.setup('clawback-revive-pf-cfg-');
    const file = path.join(dir, 'svc.json');
    writeFileSync(file, '{ "gateway": ');
    const withFile = { ...config, services: [{ ...config.services[0]!, configFile: { path: file, format: 'json' as const, validateTimeout: 30_000, backupGlobs: [], protect: [] } }] };
    await refused(withFile, dir, /config file unparseable/);
  }, 60_000);

  it('a state dir owned by another live gateway: nothing started, the owner left alone', async () => {
    const { dir, config: base } = revive.setup('clawback-revive-pf-lock-');
    const ocState = path.join(dir, 'oc');
    const lockDir = path.join(ocState, 'tmp', `openclaw-${process.getuid?.() ?? 0}`);
    mkdirSync(lockDir, { recursive: true });
    const owner: MarkedChild = spawnMarked(NODE, [path.join(FIXTURES, 'hold-state-lock.mjs'), path.join(lockDir, 'gateway.state.lock'), ocState]);
    closers.push(async () => {
      owner.kill();
      await owner.waitForExit(10_000).catch(() => undefined);
    });
    await owner.waitForStdout(/ready \d+/, 20_000);
    const config = { ...base, services: [{ ...base.services[0]!, lockFiles: [path.join(ocState, 'tmp', 'openclaw-*', 'gateway.*.lock')] }] };
    await refused(config, dir, new RegExp(`pid ${owner.pid}`));
    expect(isAlive(owner.pid)).toBe(true);
  }, 60_000);

  it('a daemon that takes daemon.lock while the preflight validates: nothing started, it owns the services', async () => {
    const { dir, config: base } = revive.setup('clawback-revive-pf-race-');
    const file = path.join(dir, 'svc.json');
    writeFileSync(file, '{}');
    const pidFile = path.join(dir, 'validator.pid');
    const gate = path.join(dir, 'gate');
    const validateCommand = [NODE, path.join(FIXTURES, 'gated-validator.mjs'), pidFile, gate];
    const config = { ...base, services: [{ ...base.services[0]!, configFile: { path: file, format: 'json' as const, validateCommand, validateTimeout: 60_000, backupGlobs: [], protect: [] } }] };
    const lock = new FileLock(path.join(dir, DAEMON_LOCK_FILE), { clock: systemClock() });
    closers.push(() => lock.release());
    const pass = reviveServicesDirectly(config, dir);
    await waitFor(() => existsSync(pidFile), { timeoutMs: 30_000, message: 'the validator runs' });
    expect(await lock.acquire()).toBe(true);
    writeFileSync(gate, '');
    const started = await pass;
    const r = new StateStore(dir).load().state.services.gw;
    if (r?.record.instance) revive.track(r.record.instance.pid);
    expect(started).toEqual([]);
    expect(r?.record.instance ?? null).toBeNull();
  }, 60_000);
});
