// End to end: the real gateway's lock files: a live gateway's lock is never touched; a killed gateway's is removed and kept.
import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { spawnMarked, waitFor, type MarkedChild } from '../helpers/processes.js';
import { freePort } from '../helpers/ports.js';
import { serviceSchema } from '../../src/config/schema.js';
import { openclawService } from '../../src/presets/openclaw.js';
import { runDoctor } from '../../src/doctor/run-doctor.js';
import { staleLockRule, lockEvidenceDir } from '../../src/doctor/rule-stale-lock.js';
import { expandPathGlob } from '../../src/doctor/path-glob.js';
import { SnapshotStore } from '../../src/doctor/snapshot-store.js';
import { systemClock } from '../../src/platform/clock.js';
import type { ClawbackEvent } from '../../src/observe/events.js';
import { NODE24, OPENCLAW_AVAILABLE, gatewayHome, healthz, killLeftovers, openclawScript, removeCaseDir, type GatewayHome } from './openclaw-harness.js';

/** Unsets what makes openclaw believe it runs inside a test (its gateway lock is then skipped: `allowInTests`). */
function notUnderTest(): Record<string, undefined> {
  const out: Record<string, undefined> = { NODE_ENV: undefined };
  for (const k of Object.keys(process.env)) if (k.startsWith('VITEST')) out[k] = undefined;
  return out;
}

describe.skipIf(!OPENCLAW_AVAILABLE)('the gateway lock files and the stale-lock rule', () => {
  let g: GatewayHome | undefined;
  let gw: MarkedChild | undefined;
  afterEach(async () => {
    gw?.kill();
    if (g) {
      await killLeftovers(g.home);
      removeCaseDir(g);
    }
    g = undefined;
    gw = undefined;
  });

  it("keeps a live gateway's locks; removes a SIGKILLed gateway's locks (owner gone) and keeps them as evidence", async () => {
    const port = await freePort();
    g = gatewayHome(port);
    const home = g.home;
    gw = spawnMarked(NODE24, [openclawScript()!, 'gateway', 'run', '--bind', 'loopback', '--port', String(port)], {
      // The gateway takes no locks when it sees it runs under vitest (VITEST*, NODE_ENV=test): hide those from it.
      env: { ...notUnderTest(), HOME: home, NO_COLOR: '1', OPENCLAW_NO_AUTO_UPDATE: '1', OPENCLAW_CONFIG_PATH: g.configPath },
    });
    await waitFor(() => healthz(port), { timeoutMs: 240_000, intervalMs: 500, message: 'gateway healthy' });
    // The preset's lock globs, as `clawback init` writes them.
    const service = serviceSchema.parse(openclawService({ home, configPath: g.configPath, port }));
    const locks = await waitFor(async () => {
      const found: string[] = [];
      for (const p of service.lockFiles) found.push(...(await expandPathGlob(p)));
      return found.length > 0 ? found : undefined;
    }, { timeoutMs: 30_000, message: `gateway lock files under ${home}/.openclaw/tmp` });
    const lockOwners = locks.map((f) => (JSON.parse(readFileSync(f, 'utf8')) as { pid: number }).pid);
    const stateDir = path.join(g.dir, 'clawback-state');
    const events: ClawbackEvent[] = [];
    const clock = systemClock();
    const ctx = { service, stateDir, clock, snapshots: new SnapshotStore(path.join(stateDir, 'snapshots'), { keep: 3, clock }), emit: (e: ClawbackEvent) => events.push(e) };

    const live = await runDoctor(ctx, { fix: true, rules: [staleLockRule()] });
    expect(live.findings).toEqual([]);
    for (const f of locks) expect(readFileSync(f, 'utf8').length).toBeGreaterThan(0);

    // kill -9 of the whole tree: the gateway cannot remove its locks.
    gw.kill();
    await gw.waitForExit(10_000);
    await killLeftovers(home);
    const left = [];
    for (const p of service.lockFiles) left.push(...(await expandPathGlob(p)));
    expect(left.length, 'the killed gateway left its lock files behind').toBeGreaterThan(0);
    const stale = await runDoctor(ctx, { fix: true, rules: [staleLockRule()] });
    expect(stale.findings.length).toBe(left.length);
    for (const f of stale.findings) expect(f.evidence).toMatch(new RegExp(`pid (${lockOwners.join('|')}) is not running`));
    expect(stale.outcomes.every((o) => o.applied && o.verified)).toBe(true);
    for (const f of left) expect(() => readFileSync(f)).toThrow();
    expect(readdirSync(lockEvidenceDir(stateDir, service.name)).length).toBe(left.length);
  }, 400_000);
});
