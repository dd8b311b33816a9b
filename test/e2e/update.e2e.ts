// End to end: `clawback update` of the real OpenClaw gateway, 2026.9.5 -> 2026.9.6 from npm, and a broken install rolled back.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';
import { freePort } from '../helpers/ports.js';
import { openclawPresetConfig } from '../../src/presets/openclaw.js';
import { VersionStore } from '../../src/update/version-store.js';
import { expandPathGlob } from '../../src/doctor/path-glob.js';
import type { UpdateRunView } from '../../src/update/update-plugin.js';
import { NODE24, OPENCLAW_AVAILABLE, gatewayHome, healthz, killLeftovers, removeCaseDir, timingTable, type GatewayHome, type Timing } from './openclaw-harness.js';
import { NPM_CACHE, brokenCopy, ensureVersion, linkVersion } from './update-harness.js';

const SERVICE = 'openclaw-gateway';
const FROM = process.env.CLAWBACK_E2E_UPDATE_FROM ?? '2026.9.5';
const TO = process.env.CLAWBACK_E2E_UPDATE_TO ?? '2026.9.6';
const START_BUDGET = 240_000;
const timings: Timing[] = [];

afterAll(() => {
  if (timings.length > 0) process.stdout.write(`\nOpenClaw update e2e timings:\n${timingTable(timings)}\n`);
});

const sha = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex');

/** The preset as `clawback init` writes it with versions, run by Node 24; test-only: faster liveness ticks, no config probe. */
function updateConfig(g: GatewayHome, port: number, versions: string): { services: Array<Record<string, unknown>> } & Record<string, unknown> {
  const raw = openclawPresetConfig({
    versions: { dir: versions, node: NODE24 },
    port,
    home: g.home,
    configPath: g.configPath,
    env: { HOME: g.home, NO_COLOR: '1', OPENCLAW_NO_AUTO_UPDATE: '1' },
    startupGrace: '180s',
  }) as { services: Array<Record<string, unknown>> };
  const svc = raw.services[0]!;
  svc.probes = (svc.probes as Array<Record<string, unknown>>)
    .filter((p) => p.kind !== 'config')
    .map((p) => (p.name === 'liveness' ? { ...p, interval: '2s', timeout: '3s', failureThreshold: 3 } : p.name === 'readiness' ? { ...p, interval: '3s' } : p));
  // `openclaw config validate` took 51 s to over 60 s at load 20 here: a timed-out validation refuses the update (as it should).
  svc.configFile = { ...(svc.configFile as Record<string, unknown>), validateTimeout: '240s' };
  // The update installs from npm with the test's own npm cache (warm after the first run), never the shared e2e cache.
  svc.update = { ...(svc.update as Record<string, unknown>), installArgs: ['--cache', NPM_CACHE, '--prefer-offline', '--fetch-retries=5'], watch: '300s', settle: '10s' };
  return { api: { port: 0 }, services: [svc] };
}

describe.skipIf(!OPENCLAW_AVAILABLE)('clawback update of the real OpenClaw gateway', () => {
  let td: TestDaemon | undefined;
  let g: GatewayHome | undefined;

  beforeAll(async () => {
    const t0 = Date.now();
    await ensureVersion(FROM);
    await ensureVersion(TO);
    timings.push({ case: 'setup', what: `openclaw ${FROM} and ${TO} in the versions cache`, ms: Date.now() - t0 });
  }, 2_400_000);

  afterEach(async () => {
    await td?.stop();
    td = undefined;
    if (g) {
      const left = await killLeftovers(g.home);
      removeCaseDir(g);
      g = undefined;
      expect(left, `processes left after the daemon stopped: ${left.join(', ')}`).toEqual([]);
    }
  });

  async function startOn(versionsSetup: (dir: string) => void): Promise<{ port: number; versions: string; base: string; token: string }> {
    const port = await freePort();
    g = gatewayHome(port);
    const versions = path.join(g.dir, 'versions');
    mkdirSync(versions);
    versionsSetup(versions);
    await new VersionStore(versions, 'openclaw').switchTo(FROM, 'e2e: initial', Date.now());
    td = await startTestDaemon(updateConfig(g, port, versions), { dir: g.dir });
    const t = td;
    await waitFor(async () => (await healthz(port)) && t.daemon.runtimes.get(SERVICE)!.status().health === 'healthy', { timeoutMs: START_BUDGET, intervalMs: 500, message: `${FROM} healthy` });
    return { port, versions, base: `http://127.0.0.1:${t.daemon.api!.port}`, token: readFileSync(path.join(t.stateDir, 'token'), 'utf8').trim() };
  }

  async function runUpdate(base: string, token: string): Promise<UpdateRunView> {
    const r = await fetch(`${base}/api/update/${SERVICE}?version=${TO}&by=e2e`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    const body = (await r.json()) as { runId: string; message: string };
    expect(r.status, body.message).toBe(202);
    return waitFor(
      async () => {
        const v = (await (await fetch(`${base}/api/update/${SERVICE}`)).json()) as UpdateRunView;
        return v.runId === body.runId && !v.running ? v : undefined;
      },
      { timeoutMs: 1_500_000, intervalMs: 1000, message: 'update run finished' },
    );
  }

  /** The version /startupz reports, once it reports `want` (bounded: a loaded box answers slowly); else what it said last. */
  async function startupVersion(port: number, want: string): Promise<string | undefined> {
    let last: string | undefined;
    try {
      await waitFor(
        async () => {
          const r = await fetch(`http://127.0.0.1:${port}/startupz`, { signal: AbortSignal.timeout(5000) }).catch(() => undefined);
          last = r ? ((await r.json().catch(() => ({}))) as { version?: string }).version : undefined;
          return last === want;
        },
        { timeoutMs: 60_000, intervalMs: 1000 },
      );
    } catch {
      /* reported by the caller's assertion */
    }
    return last;
  }

  it(`${FROM} -> ${TO}: installed beside from npm, config validated by ${TO}, switched, ready; ${FROM} kept for a rollback`, async () => {
    const { port, versions, base, token } = await startOn((dir) => linkVersion(dir, FROM));
    expect(await startupVersion(port, FROM)).toBe(FROM);
    const view = await runUpdate(base, token);
    const rep = view.report!;
    for (const s of view.steps) timings.push({ case: `update ${FROM}->${TO}`, what: s.step, ms: s.ms });
    timings.push({ case: `update ${FROM}->${TO}`, what: 'total', ms: rep.totalMs });
    expect(rep.outcome, `${rep.message}\n${view.steps.map((s) => `${s.step}: ${s.message}`).join('\n')}`).toBe('succeeded');
    expect(view.steps.find((s) => s.step === 'install')!.message).toMatch(/installed openclaw@/);
    expect(await startupVersion(port, TO)).toBe(TO);
    expect(await new VersionStore(versions, 'openclaw').current()).toBe(TO);
    const cfg = JSON.parse(readFileSync(g!.configPath, 'utf8')) as { gateway: { port: number } };
    expect(cfg.gateway.port).toBe(port);
    expect(td!.journal().filter((e) => e.type.startsWith('update.')).map((e) => e.type)).toEqual(expect.arrayContaining(['update.started', 'update.step', 'update.succeeded']));
  }, 1_800_000);

  it(`${TO} with a module file removed from its tree: exit 78 / crash, rolled back to ${FROM}, healthy, config and state intact, in a measured time`, async () => {
    let removed = '';
    const { port, versions, base, token } = await startOn((dir) => {
      linkVersion(dir, FROM);
      removed = brokenCopy(dir, TO);
    });
    const cfgBefore = sha(g!.configPath);
    const stateGlobs = ((td!.daemon.runtimes.get(SERVICE)!.config.update!.stateFiles) as string[]);
    const stateBefore: string[] = [];
    for (const p of stateGlobs) stateBefore.push(...(await expandPathGlob(p)));
    const view = await runUpdate(base, token);
    const rep = view.report!;
    for (const s of view.steps) timings.push({ case: 'broken install', what: s.step, ms: s.ms });
    timings.push({ case: 'broken install', what: `total (rollback ${rep.rollbackMs ?? '?'} ms)`, ms: rep.totalMs });
    expect(rep.outcome, `${rep.message}\n${view.steps.map((s) => `${s.step}: ${s.message}`).join('\n')}`).toBe('rolled-back');
    expect(rep.message).toMatch(/exited with 78|crash loop/);
    expect(rep.healthyAfterRollback).toBe(true);
    expect(await new VersionStore(versions, 'openclaw').current()).toBe(FROM);
    expect(await healthz(port)).toBe(true);
    expect(await startupVersion(port, FROM)).toBe(FROM);
    expect(sha(g!.configPath)).toBe(cfgBefore);
    for (const f of stateBefore) expect(readFileSync(f).length, f).toBeGreaterThan(0);
    const log = readFileSync(path.join(td!.stateDir, 'logs', `${SERVICE}.log`), 'utf8');
    expect(log).toContain(path.basename(removed));
    expect(log).toMatch(/ERR_MODULE_NOT_FOUND|Cannot find module/);
    const rolled = td!.journal().find((e) => e.type === 'update.rolled-back');
    expect(rolled?.severity).toBe('warning');
  }, 1_800_000);
});
