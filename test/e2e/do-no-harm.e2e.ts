// End to end on the real OpenClaw gateway: repairs keep the user's token and port, prefer the newest trusted copy,
// and a port changed with `openclaw config set` is reported (issue 17).
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { readFileSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import JSON5 from 'json5';
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';
import { freePort } from '../helpers/ports.js';
import type { ClawbackEvent } from '../../src/observe/events.js';
import { protectedHarm } from '../helpers/protected-harm.js';
import {
  NODE24,
  OPENCLAW_AVAILABLE,
  e2eClawbackConfig,
  gatewayHome,
  healthz,
  describePids,
  killLeftovers,
  pidsWithHome,
  openclawScript,
  removeCaseDir,
  timingTable,
  type GatewayHome,
  type Timing,
} from './openclaw-harness.js';

const SERVICE = 'openclaw-gateway';
const START_BUDGET = 200_000;
/** One case: a start (50-110 s loaded), a snapshot (a validator run), a repair (validators + `openclaw doctor`, up to 120 s) and a restart. */
const CASE_BUDGET = 1_200_000;
/**
 * SIGKILL to healthy again through a repair. As a user's gateway at load 16 on 2 cores: 393 s (validator 40 s, stale locks,
 * `openclaw doctor --fix` killed at its 120 s timeout, validators, a 60-90 s start), so 600 s.
 */
const REPAIR_BUDGET = 600_000;
const TOKEN = 'e2e-user-token-7f3a9c';
const timings: Timing[] = [];
const rt = (t: TestDaemon) => t.daemon.runtimes.get(SERVICE)!;

async function timed<T>(kase: string, what: string, fn: () => Promise<T>): Promise<T> {
  const t0 = Date.now();
  const v = await fn();
  timings.push({ case: kase, what, ms: Date.now() - t0 });
  return v;
}

afterAll(() => {
  if (timings.length > 0) process.stdout.write(`\nOpenClaw do-no-harm e2e timings:\n${timingTable(timings)}\n`);
});

/** A config with the user's own auth token, on `port`. */
function configWithToken(port: number, home: string, extra: Record<string, unknown> = {}): string {
  const cfg = {
    gateway: { mode: 'local', bind: 'loopback', port, auth: { mode: 'token', token: TOKEN } },
    logging: { file: path.join(home, 'openclaw-log.jsonl') },
    update: { checkOnStart: false },
    ...extra,
  };
  return `${JSON.stringify(cfg, null, 2)}\n`;
}

/** Across every case: no repair changed or dropped a protected setting, and none wrote the token into the journal. */
function expectNoProtectedHarm(journal: ClawbackEvent[]): void {
  expect(protectedHarm(journal)).toEqual([]);
  expect(JSON.stringify(journal)).not.toContain(TOKEN);
}

describe.skipIf(!OPENCLAW_AVAILABLE)('OpenClaw: the doctor does no harm', () => {
  let td: TestDaemon | undefined;
  let g: GatewayHome | undefined;
  afterEach(async () => {
    await td?.stop();
    const seen = g ? describePids(pidsWithHome(g.home)) : [];
    if (seen.length > 0) process.stdout.write(`left behind with the case HOME:\n${seen.join('\n')}\n`);
    const left = g ? await killLeftovers(g.home) : [];
    removeCaseDir(g);
    td = undefined;
    g = undefined;
    expect(left).toEqual([]);
  });

  async function start(kase: string, port: number): Promise<TestDaemon> {
    g = gatewayHome(port);
    writeFileSync(g.configPath, configWithToken(port, g.home), { mode: 0o600 });
    const gh = g;
    // snapshotAfter 10 min: a snapshot within this case proves it was taken on a health verdict, not on a timer.
    td = await startTestDaemon(e2eClawbackConfig(gh, port, { snapshotAfter: '10m' }), { dir: gh.dir });
    const t = td;
    await timed(kase, 'spawn -> /healthz 200', () =>
      waitFor(async () => (await healthz(port)) && rt(t).status().health === 'healthy', { timeoutMs: START_BUDGET, intervalMs: 500, message: 'first healthy gateway' }),
    );
    // No blind window after a start: the snapshot follows the first healthy verdict (plus one validator run, 5-40 s here).
    await timed(kase, 'healthy -> last-known-good snapshot', () => waitFor(() => t.events.some((e) => e.type === 'config.snapshot'), { timeoutMs: 150_000, intervalMs: 250 }));
    return t;
  }

  it('an unknown key, then kill -9: the least repair removes the key; token and port are preserved; a stale .bak is not restored', async () => {
    const port = await freePort();
    const t = await start('unknown key', port);
    const gh = g!;
    // OpenClaw's own copy from before its last CLI write: valid, newest, but without the token.
    const bak = `${gh.configPath}.bak`;
    writeFileSync(bak, `${JSON.stringify({ gateway: { mode: 'local', bind: 'loopback', port }, update: { checkOnStart: false } }, null, 2)}\n`);
    writeFileSync(gh.configPath, configWithToken(port, gh.home, { notAKey: { x: 1 } }));
    const pid = rt(t).status().pid!;
    const before = t.events.length;
    process.kill(pid, 'SIGKILL');
    await timed('unknown key', 'key + SIGKILL -> /healthz 200 again', () =>
      waitFor(async () => rt(t).status().pid !== pid && rt(t).status().health === 'healthy' && (await healthz(port)), { timeoutMs: REPAIR_BUDGET, intervalMs: 500 }),
    );
    const now = JSON5.parse(readFileSync(gh.configPath, 'utf8')) as { gateway?: { port?: number; auth?: { token?: string } }; notAKey?: unknown };
    expect(now.notAKey).toBeUndefined();
    expect(now.gateway?.auth?.token).toBe(TOKEN);
    expect(now.gateway?.port).toBe(port);
    // As a user's gateway it holds lock files, which a SIGKILL leaves behind: those repairs (stale-lock) are not the config's.
    const repairs = t.events.slice(before).filter((e) => e.type === 'doctor.repair' && e.details?.applied && e.details?.rule === 'config-restore');
    expect(repairs.length, JSON.stringify(t.events.slice(before).filter((e) => e.type.startsWith('doctor')).map((e) => e.message))).toBeGreaterThan(0);
    expect(repairs.every((r) => r.details?.method !== 'restore'), repairs.map((r) => r.message).join('\n')).toBe(true);
    process.stdout.write(`unknown-key repair: ${repairs.map((r) => `${String(r.details?.method)}: ${r.message}`).join(' | ')}\n`);
    expectNoProtectedHarm(t.journal());
  }, CASE_BUDGET);

  it('config truncated with a newer stale .bak beside it: the snapshot seen healthy is restored, token kept', async () => {
    const port = await freePort();
    const t = await start('stale .bak', port);
    const gh = g!;
    const bak = `${gh.configPath}.bak`;
    writeFileSync(bak, `${JSON.stringify({ gateway: { mode: 'local', bind: 'loopback', port }, update: { checkOnStart: false } }, null, 2)}\n`);
    const future = new Date(Date.now() + 60_000);
    utimesSync(bak, future, future);
    const good = readFileSync(gh.configPath);
    writeFileSync(gh.configPath, good.subarray(0, Math.floor(good.length / 2)));
    const pid = rt(t).status().pid!;
    const before = t.events.length;
    process.kill(pid, 'SIGKILL');
    await timed('stale .bak', 'truncate + SIGKILL -> /healthz 200 again', () =>
      waitFor(async () => rt(t).status().pid !== pid && rt(t).status().health === 'healthy' && (await healthz(port)), { timeoutMs: REPAIR_BUDGET, intervalMs: 500 }),
    );
    const now = JSON5.parse(readFileSync(gh.configPath, 'utf8')) as { gateway?: { port?: number; auth?: { token?: string } } };
    expect(now.gateway?.auth?.token).toBe(TOKEN);
    expect(now.gateway?.port).toBe(port);
    const repair = t.events.slice(before).find((e) => e.type === 'doctor.repair' && e.details?.applied && e.details?.rule === 'config-restore');
    if (repair) {
      expect(repair.details).toMatchObject({ method: 'restore', source: 'snapshot' });
      const cands = repair.details!.candidates as Array<{ source: string; verdict: string; ageSeconds: number }>;
      process.stdout.write(`stale-.bak candidates: ${cands.map((c) => `${c.source} (${c.ageSeconds} s): ${c.verdict}`).join('; ')}\n`);
    } else {
      process.stdout.write('stale-.bak: the gateway repaired its own file before Clawback had to\n');
    }
    expectNoProtectedHarm(t.journal());
  }, CASE_BUDGET);

  it('`openclaw config set gateway.port N` while supervised: the drift is reported loudly', async () => {
    const port = await freePort();
    const t = await start('port change', port);
    const gh = g!;
    const other = await freePort();
    const r = await timed('port change', '`openclaw config set gateway.port`', async () =>
      spawnSync(NODE24, [openclawScript()!, 'config', 'set', 'gateway.port', String(other), '--strict-json'], {
        env: { PATH: process.env.PATH ?? '', HOME: gh.home, NO_COLOR: '1', OPENCLAW_CONFIG_PATH: gh.configPath, CLAWBACK_TEST_CHILD: '1' },
        encoding: 'utf8',
        timeout: 120_000,
      }),
    );
    expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
    await timed('port change', 'config set -> port-drift warning', () =>
      waitFor(() => t.events.some((e) => e.details?.rule === 'port-drift' && e.severity === 'warning'), { timeoutMs: 30_000, intervalMs: 250 }),
    );
    const w = t.events.find((e) => e.details?.rule === 'port-drift')!;
    expect(w.details).toMatchObject({ configured: other, supervised: port });
    process.stdout.write(`port change: ${w.message}\n`);
    expectNoProtectedHarm(t.journal());
  }, CASE_BUDGET);
});
