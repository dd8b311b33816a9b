// A service the guardian held at Level 4 while no daemon ran (its start limit, with no doctor and no agent of its own)
// is taken back by the daemon once it is back: its reducer climbs the daemon's ladder (here the service's own doctor
// fixes the cause and the service runs again). Before, it waited for a person's `clawback resume` for ever, the daemon
// saying nothing of it. A person's stop is not undone.
import { afterEach, describe, expect, it } from 'vitest';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { clawbackConfigSchema } from '../../src/config/schema.js';
import { reviveServicesDirectly } from '../../src/daemon/direct-revive.js';
import { StateStore } from '../../src/daemon/state-store.js';
import type { ClawbackEvent } from '../../src/observe/events.js';
import { NODE, markServices, startTestDaemon, tempDir, type TestDaemon } from '../helpers/daemon.js';
import { isAlive, killTree, pidRef, waitFor, type PidRef } from '../helpers/processes.js';

// Crashes at once while the flag file exists; runs otherwise.
const CRASH_WHILE_FLAG = "if (require('fs').existsSync(process.argv[1])) { console.log('flag present: crashing'); process.exit(1) } setInterval(() => {}, 1e9)";
// The service's own doctor: removes the flag (the cause).
const FIX = "require('fs').rmSync(process.argv[1], { force: true }); console.log('fixed')";

const cleanup: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

async function heldByGuardian(): Promise<{ dir: string; stateDir: string; raw: ReturnType<typeof markServices>; pids: PidRef[] }> {
  const dir = tempDir('clawback-handback-');
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  const stateDir = path.join(dir, 'state');
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const flag = path.join(dir, 'crash-flag');
  writeFileSync(flag, '1');
  const raw = markServices({
    services: [
      {
        name: 'gw',
        command: [NODE, '-e', CRASH_WHILE_FLAG, flag],
        restart: { guardianStartLimit: { burst: 2, interval: '1h' }, backoff: { initial: '10ms', max: '20ms', jitter: 0 } },
        doctor: { command: [NODE, '-e', FIX, flag], attempts: 1, confirmAfter: '1s' },
      },
    ],
  });
  writeFileSync(path.join(dir, 'clawback.yaml'), YAML.stringify(raw));
  const config = clawbackConfigSchema.parse(raw);
  const events: ClawbackEvent[] = [];
  const pids: PidRef[] = [];
  cleanup.push(() => pids.forEach((p) => killTree(p)));
  // The guardian's passes (the daemon down), bounded: far more than the limit needs.
  for (let pass = 0; pass < 20 && !events.some((e) => e.type === 'breaker.tripped'); pass++) {
    const started = await reviveServicesDirectly(config, stateDir, (e) => events.push(e));
    if (started.length > 0) {
      const pid = new StateStore(stateDir).load().state.services.gw!.record.instance!.pid;
      pids.push(pidRef(pid));
      await waitFor(() => !isAlive(pid), { timeoutMs: 10_000 });
    } else await new Promise((r) => setTimeout(r, 50));
  }
  const saved = new StateStore(stateDir).load().state.services.gw!;
  expect(saved.record.held?.reason, JSON.stringify(events.map((e) => e.message))).toBe('crash-loop');
  expect(saved.incident?.status).toBe('waiting-human');
  return { dir, stateDir, raw, pids };
}

describe('the daemon takes back a service the guardian held', () => {
  it('climbs its own ladder (the doctor) and the service runs again', async () => {
    const { dir, stateDir, raw, pids } = await heldByGuardian();
    const d: TestDaemon = await startTestDaemon(raw, { dir });
    cleanup.push(() => d.stop());
    const said = (): string => JSON.stringify(d.events.filter((e) => e.service === 'gw').map((e) => e.message));
    const running = await waitFor(
      () => {
        const rec = new StateStore(stateDir).load().state.services.gw?.record;
        return rec?.phase === 'running' && rec.instance && isAlive(rec.instance.pid) ? rec.instance.pid : undefined;
      },
      { timeoutMs: 30_000 },
    ).catch(() => undefined);
    if (running) pids.push(pidRef(running));
    expect(running, said()).toBeDefined();
    expect(d.events.some((e) => e.type === 'incident.action' && e.details?.action === 'guardian-handback'), said()).toBe(true);
    expect(d.events.some((e) => e.type === 'incident.action' && e.details?.action === 'doctor'), said()).toBe(true);
    expect(d.events.filter((e) => e.type === 'service.started' && e.service === 'gw')).toHaveLength(1);
    // No person acted: the daemon's own doctor fixed it (it read human-resolved at highest level 4, the guardian's hold).
    const resolved = await waitFor(() => d.events.find((e) => e.type === 'incident.resolved' && e.service === 'gw'), { timeoutMs: 30_000 }).catch(() => undefined);
    expect(resolved?.details, said()).toMatchObject({ outcome: 'auto-resolved', highestLevel: 2 });
  }, 90_000);

  it('keeps it held, without a new page, when the daemon has no rung more (doctor.attempts 0, no agent)', async () => {
    const { dir, stateDir, raw } = await heldByGuardian();
    const noDoctor = { ...raw, services: raw.services.map((s) => ({ ...s, doctor: { attempts: 0 } })) };
    writeFileSync(path.join(dir, 'clawback.yaml'), YAML.stringify(noDoctor));
    const d: TestDaemon = await startTestDaemon(noDoctor, { dir });
    cleanup.push(() => d.stop());
    const said = (): string => JSON.stringify(d.events.filter((e) => e.service === 'gw').map((e) => e.message));
    await waitFor(() => d.events.some((e) => e.type === 'incident.action' && e.details?.action === 'guardian-hold-kept'), { timeoutMs: 20_000 }).catch(() => undefined);
    expect(d.events.some((e) => e.type === 'incident.action' && e.details?.action === 'guardian-hold-kept'), said()).toBe(true);
    expect(d.events.some((e) => e.type === 'incident.escalated' || e.type === 'service.started'), said()).toBe(false);
    expect(new StateStore(stateDir).load().state.services.gw?.record.held?.reason).toBe('crash-loop');
  }, 90_000);
});
