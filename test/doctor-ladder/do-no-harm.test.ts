// The doctor does no harm, in the running daemon with the demo gateway: least change, trusted copies, protected settings,
// a snapshot with no blind window, a port change reported, and `clawback doctor --fix` leaving the live instance alone.
import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync, readdirSync, writeFileSync, utimesSync } from 'node:fs';
import path from 'node:path';
import { startTestDaemon, NODE, tempDir, type TestDaemon } from '../helpers/daemon.js';
import { httpGet, waitFor, isAlive } from '../helpers/processes.js';
import { freePort } from '../helpers/ports.js';
import { runCli } from '../helpers/cli.js';
import { DEMO_GATEWAY_SERVER, startDemoGateway, type DemoGateway } from '../helpers/demo.js';
import YAML from 'yaml';
import { protectedHarm } from '../helpers/protected-harm.js';

let td: TestDaemon | undefined;
let gw: DemoGateway | undefined;
afterEach(async () => {
  // Whatever a case did, no repair dropped or changed a protected setting.
  const harm = td ? protectedHarm(td.journal()) : [];
  await td?.stop();
  await gw?.stop();
  td = undefined;
  gw = undefined;
  expect(harm).toEqual([]);
});

const config = (o: Record<string, unknown> = {}): string => `${JSON.stringify({ name: 'demo-gateway', host: '127.0.0.1', port: 0, ...o }, null, 2)}\n`;

async function demo(cfgText: string, extra: { snapshotAfter?: string; protect?: string[]; portPath?: string } = {}): Promise<{ t: TestDaemon; port: number; cfg: string; dir: string }> {
  const dir = tempDir();
  const cfg = path.join(dir, 'gateway.json');
  writeFileSync(cfg, cfgText);
  const port = await freePort();
  td = await startTestDaemon(
    {
      services: [
        {
          name: 'gw',
          command: [NODE, DEMO_GATEWAY_SERVER, '--config', cfg, '--port', String(port)],
          port,
          configFile: {
            path: cfg,
            format: 'json',
            validateCommand: [NODE, DEMO_GATEWAY_SERVER, '--check-config', '{file}'],
            backupGlobs: ['gateway.json.bak', 'gateway.json.bak.*'],
            protect: extra.protect ?? ['host', 'port'],
            ...(extra.portPath ? { portPath: extra.portPath } : {}),
          },
          // The OpenClaw preset's old value: no snapshot in the first minute after a start.
          doctor: { snapshotAfter: extra.snapshotAfter ?? '60s' },
          restart: { backoff: { initial: '100ms', jitter: 0 }, intensity: { maxRestarts: 3, window: '1m' } },
          probes: [{ kind: 'http', url: `http://127.0.0.1:${port}/health`, interval: '300ms', timeout: '500ms', failureThreshold: 3, startupGrace: '5s' }],
        },
      ],
    },
    { dir },
  );
  return { t: td, port, cfg, dir };
}

const up = async (port: number): Promise<boolean> => (await httpGet(`http://127.0.0.1:${port}/health`, 500).catch(() => ({ status: 0 }))).status === 200;
const rt = (t: TestDaemon) => t.daemon.runtimes.get('gw')!;

describe('the doctor does no harm (demo gateway, running daemon)', () => {
  it('no blind window: the config is snapshotted on the first healthy verdict, so a stale .bak is never restored over it', async () => {
    // Started with host "localhost"; the .bak (newer on disk, as OpenClaw writes it before each CLI write) has 127.0.0.1.
    // snapshotAfter far beyond the wait below, so a snapshot seen within it cannot have come from that timer. The wait
    // fits a loaded machine (the validator is a fresh Node process); on an idle one the snapshot comes in 1-3 s.
    const { t, port, cfg, dir } = await demo(config({ host: 'localhost' }), { snapshotAfter: '10m' });
    const bak = path.join(dir, 'gateway.json.bak');
    writeFileSync(bak, config());
    await waitFor(() => up(port), { timeoutMs: 10_000 });
    await waitFor(() => t.events.some((e) => e.type === 'config.snapshot'), {
      timeoutMs: 30_000,
      message: () => `a snapshot within seconds of the first healthy verdict (snapshotAfter is 10 min); health ${rt(t).status().health}, events: ${t.events.slice(-8).map((e) => e.type).join(', ')}`,
    });
    const future = new Date(Date.now() + 60_000);
    utimesSync(bak, future, future);
    writeFileSync(cfg, '{"name":"demo-gateway","ho'); // truncated
    process.kill(rt(t).status().pid!, 'SIGKILL');
    await waitFor(() => up(port), { timeoutMs: 30_000, intervalMs: 50 });
    expect(JSON.parse(readFileSync(cfg, 'utf8')).host).toBe('localhost');
    const repair = t.journal().find((e) => e.type === 'doctor.repair' && e.details?.applied)!;
    expect(repair.details).toMatchObject({ method: 'restore', source: 'snapshot', verified: true });
    const candidates = repair.details!.candidates as Array<{ source: string; ageSeconds: number; verdict: string }>;
    expect(candidates[0]).toMatchObject({ source: 'snapshot', verdict: 'chosen' });
  }, 90_000);

  it('an unknown key: exactly that key is removed, every other setting kept, no whole-file restore (issue 1)', async () => {
    const { t, port, cfg, dir } = await demo(config({ host: 'localhost' }), { snapshotAfter: '300ms' });
    writeFileSync(path.join(dir, 'gateway.json.bak'), config()); // an older copy with another host
    await waitFor(() => up(port), { timeoutMs: 10_000 });
    await waitFor(() => t.events.some((e) => e.type === 'config.snapshot'), { timeoutMs: 10_000 });
    writeFileSync(cfg, config({ host: 'localhost', startupDelayMs: 0, bogusKey: true }));
    process.kill(rt(t).status().pid!, 'SIGKILL');
    await waitFor(() => up(port), { timeoutMs: 30_000, intervalMs: 50 });
    expect(JSON.parse(readFileSync(cfg, 'utf8'))).toEqual({ name: 'demo-gateway', host: 'localhost', port: 0, startupDelayMs: 0 });
    const repair = t.journal().find((e) => e.type === 'doctor.repair' && e.details?.applied)!;
    expect(repair.details).toMatchObject({ method: 'remove-named-keys', removed: ['bogusKey'], verified: true });
    expect(repair.details!.semanticDiff).toEqual({ added: [], removed: ['bogusKey'], changed: [], truncated: false });
    expect(readdirSync(dir).filter((f) => f.startsWith('gateway.json.corrupt-'))).toHaveLength(1);
  });

  it('a protected setting removed by hand (the auth token: the service then runs open) is reported once, naming the path, never the value; a rotated one is not', async () => {
    const { t, port, cfg } = await demo(config({ dataDir: 'data-token-1' }), { snapshotAfter: '300ms', protect: ['host', 'port', 'dataDir'] });
    await waitFor(() => up(port), { timeoutMs: 10_000 });
    await waitFor(() => t.events.some((e) => e.type === 'config.snapshot'), { timeoutMs: 10_000 });
    // A person rotates it: their business, nothing to say (the tick that saved this copy also compared it). The demo
    // gateway reads its config only at start: the copy is seen healthy once it runs with it, after a restart.
    writeFileSync(cfg, config({ dataDir: 'data-token-22' }));
    await rt(t).restart('human');
    await waitFor(() => t.events.filter((e) => e.type === 'config.snapshot').length >= 2, { timeoutMs: 15_000 });
    expect(t.events.filter((e) => e.details?.rule === 'protected-removed')).toEqual([]);
    writeFileSync(cfg, config());
    await waitFor(() => t.events.some((e) => e.type === 'doctor.finding' && e.details?.rule === 'protected-removed'), { timeoutMs: 10_000 });
    const w = t.events.find((e) => e.details?.rule === 'protected-removed')!;
    expect(w.severity).toBe('warning');
    expect(w.message).toContain('dataDir removed from its config');
    expect(w.message).not.toContain('data-token');
    expect(w.details).toMatchObject({ removed: ['dataDir'], file: cfg, fixable: false });
    // Said once: the next copies seen healthy (without it) are no new removal.
    await rt(t).restart('human');
    await waitFor(() => t.events.filter((e) => e.type === 'config.snapshot').length >= 3, { timeoutMs: 15_000 });
    expect(t.events.filter((e) => e.details?.rule === 'protected-removed')).toHaveLength(1);
    expect(readFileSync(cfg, 'utf8')).toBe(config());
  });

  it('a port changed in the service\'s own config is reported loudly (issue 3)', async () => {
    const { t, port, cfg } = await demo(config(), { snapshotAfter: '300ms', portPath: 'port' });
    await waitFor(() => up(port), { timeoutMs: 10_000 });
    const other = port === 65000 ? 65001 : 65000;
    writeFileSync(cfg, config({ port: other }));
    await waitFor(() => t.events.some((e) => e.type === 'doctor.finding' && e.details?.rule === 'port-drift'), { timeoutMs: 10_000 });
    const w = t.events.find((e) => e.details?.rule === 'port-drift')!;
    expect(w.severity).toBe('warning');
    expect(w.message).toContain(`port = ${other}`);
    expect(w.message).toContain(`port ${port}`);
    expect(w.details).toMatchObject({ configured: other, supervised: port });
    writeFileSync(cfg, config({ port }));
    await waitFor(() => t.events.some((e) => e.details?.rule === 'port-drift' && e.details?.resolved === true), { timeoutMs: 10_000 });
    expect(t.events.filter((e) => e.details?.rule === 'port-drift' && e.severity === 'warning')).toHaveLength(1);
  });

  it('`clawback doctor --fix` next to a running daemon leaves the healthy supervised instance alone (issue 4)', async () => {
    const { t, port } = await demo(config(), { snapshotAfter: '300ms' });
    await waitFor(async () => (await up(port)) && rt(t).status().health === 'healthy', { timeoutMs: 10_000 });
    const pid = rt(t).status().pid!;
    const r = await runCli(['-c', t.configFile, '--state-dir', t.stateDir, 'doctor', '--fix', '--json'], { timeoutMs: 60_000 });
    const report = JSON.parse(r.stdout) as { exitCode: number; services: Array<{ findings: Array<{ rule: string; title: string }> }> };
    expect(report.services[0]!.findings.filter((f) => f.rule === 'port-holder'), r.stdout).toEqual([]);
    expect(isAlive(pid)).toBe(true);
    expect(rt(t).status().pid).toBe(pid);
    expect(await up(port)).toBe(true);
    expect(t.events.some((e) => e.type === 'service.exited')).toBe(false);
  });

  it('`clawback doctor --fix` with no daemon, on a service its own manager runs (external): the live instance its pidFile names is left alone', async () => {
    const dir = tempDir();
    gw = await startDemoGateway();
    const pidFile = path.join(dir, 'gw.pid');
    writeFileSync(pidFile, `${gw.pid}\n`);
    const cfgFile = path.join(dir, 'clawback.yaml');
    writeFileSync(
      cfgFile,
      YAML.stringify({
        services: [
          {
            name: 'gw',
            port: gw.port,
            external: { pidFile, restartCommand: ['/bin/true'] },
            probes: [{ kind: 'http', url: `${gw.baseUrl}/health` }],
          },
        ],
      }),
    );
    const r = await runCli(['-c', cfgFile, '--state-dir', path.join(dir, 'state'), 'doctor', '--fix', '--json'], { timeoutMs: 60_000 });
    const report = JSON.parse(r.stdout) as { exitCode: number; services: Array<{ findings: Array<{ rule: string; title: string }> }> };
    expect(report.services[0]!.findings.filter((f) => f.rule === 'port-holder'), r.stdout).toEqual([]);
    expect(r.code, r.stdout).toBe(0);
    expect(isAlive(gw.pid)).toBe(true);
    expect(await up(gw.port)).toBe(true);
    // The same port held by a process the manager does not name is still reported (and not killed).
    writeFileSync(pidFile, '');
    const r2 = await runCli(['-c', cfgFile, '--state-dir', path.join(dir, 'state'), 'doctor', '--fix', '--json'], { timeoutMs: 60_000 });
    const report2 = JSON.parse(r2.stdout) as { services: Array<{ findings: Array<{ rule: string; title: string }> }> };
    expect(report2.services[0]!.findings.map((f) => f.title)).toContain(`port ${gw.port} is held by another program`);
    expect(isAlive(gw.pid)).toBe(true);
  });
});
