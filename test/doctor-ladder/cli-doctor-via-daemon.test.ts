// A person's `clawback doctor --fix` next to a live daemon goes through the daemon's reducer: it never edits a live
// healthy instance's files, and its repair is verified against the running service and rolled back when it did not
// hold. Before, the CLI ran the rules itself: it re-applied a repair the daemon had just rolled back (Level 4 said
// "undone" while the file held the doctor's version) and printed "fixed" (exit 1) for a service that was down.
import { afterEach, describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startTestDaemon, NODE, tempDir, type TestDaemon } from '../helpers/daemon.js';
import { httpGet, waitFor } from '../helpers/processes.js';
import { freePort } from '../helpers/ports.js';
import { DEMO_GATEWAY_SERVER } from '../helpers/demo.js';
import { runCli } from '../helpers/cli.js';

let td: TestDaemon | undefined;
afterEach(async () => {
  await td?.stop();
  td = undefined;
});

const config = (o: Record<string, unknown> = {}): string => `${JSON.stringify({ name: 'demo-gateway', host: '127.0.0.1', port: 0, startupDelayMs: 0, ...o }, null, 2)}\n`;

describe('clawback doctor --fix with a live daemon', () => {
  it('hands the run to the daemon: a live healthy instance is left alone, a repair that does not hold is rolled back (exit 2), one that holds is kept (exit 1)', async () => {
    const dir = tempDir();
    const cfg = path.join(dir, 'gateway.json');
    const dep = path.join(dir, 'dependency.ok');
    writeFileSync(cfg, config());
    writeFileSync(dep, 'up\n');
    // The demo gateway behind a dependency check: without the dependency it exits 1 at once (a config repair cannot help).
    const wrapper = path.join(dir, 'gateway-with-dependency.mjs');
    writeFileSync(wrapper, `import { existsSync } from 'node:fs';\nif (!existsSync(${JSON.stringify(dep)})) { console.error('dependency unavailable'); process.exit(1); }\nawait import(${JSON.stringify(DEMO_GATEWAY_SERVER)});\n`);
    const port = await freePort();
    td = await startTestDaemon(
      {
        services: [
          {
            name: 'gw',
            command: [NODE, wrapper, '--config', cfg, '--port', String(port)],
            port,
            configFile: { path: cfg, format: 'json', validateCommand: [NODE, DEMO_GATEWAY_SERVER, '--check-config', '{file}'], protect: ['host', 'port'] },
            doctor: { snapshotAfter: '300ms', attempts: 2, confirmAfter: '1s' },
            restart: { backoff: { initial: '100ms', jitter: 0 }, intensity: { maxRestarts: 10, window: '1m' } },
            probes: [{ kind: 'http', url: `http://127.0.0.1:${port}/health`, interval: '300ms', timeout: '500ms', failureThreshold: 3, startupGrace: '5s' }],
          },
        ],
      },
      { dir },
    );
    const t = td;
    const rt = t.daemon.runtimes.get('gw')!;
    const cli = (): ReturnType<typeof runCli> => runCli(['doctor', 'gw', '--fix', '--config', t.configFile, '--state-dir', t.stateDir], { cwd: dir, timeoutMs: 60_000 });
    const up = async (): Promise<boolean> => (await httpGet(`http://127.0.0.1:${port}/health`, 500).catch(() => ({ status: 0 }))).status === 200;
    await waitFor(up, { timeoutMs: 20_000 });
    await waitFor(() => t.events.some((e) => e.type === 'config.snapshot'), { timeoutMs: 20_000 });
    // Wait for the heartbeat (daemon.json): the CLI learns of the daemon from it.
    await waitFor(() => t.journal().some((e) => e.type === 'daemon.started'), { timeoutMs: 10_000 });

    // 1. The user saved a key the validator rejects; the instance running is live and healthy: nothing is touched.
    const userBytes = Buffer.from(config({ newFeature: { enabled: true } }));
    writeFileSync(cfg, userBytes);
    const livePid = rt.status().pid;
    const healthy = await cli();
    expect(healthy.code, healthy.stdout + healthy.stderr).toBe(2);
    expect(healthy.stdout).toContain('not repaired');
    expect(readFileSync(cfg).equals(userBytes), 'a live healthy instance\'s config is not edited behind the daemon').toBe(true);
    expect(rt.status().pid).toBe(livePid);

    // 2. The dependency goes away and the gateway dies: the daemon's own repair does not hold, is undone, Level 4.
    rmSync(dep);
    process.kill(livePid!, 'SIGKILL');
    await waitFor(() => t.events.some((e) => e.type === 'incident.escalated'), { timeoutMs: 60_000, message: () => t.events.slice(-8).map((e) => e.message).join(' | ') });
    expect(readFileSync(cfg).equals(userBytes)).toBe(true);
    // A person's --fix now: the daemon runs it, verifies it, and rolls it back again; the CLI says so, exit 2 (not "fixed").
    const failed = await cli();
    expect(failed.code, failed.stdout + failed.stderr).toBe(2);
    expect(failed.stdout).toContain('rolled back');
    expect(readFileSync(cfg).equals(userBytes), "the user's bytes are back after a repair that did not hold").toBe(true);
    const asked = t.journal().filter((e) => e.type === 'incident.action' && e.details?.action === 'doctor' && e.details?.requested === true);
    expect(asked).toHaveLength(1);
    const runId = asked[0]!.details!.runId;
    expect(t.journal().some((e) => e.type === 'incident.action' && e.details?.action === 'doctor-reverted' && e.details?.runId === runId)).toBe(true);

    // 3. The dependency is back: the same --fix repairs, the daemon verifies it held, exit 1, the service healthy.
    writeFileSync(dep, 'up\n');
    const fixed = await cli();
    expect(fixed.code, fixed.stdout + fixed.stderr).toBe(1);
    expect(fixed.stdout).toContain('its file changes are kept');
    expect(JSON.parse(readFileSync(cfg, 'utf8'))).toEqual({ name: 'demo-gateway', host: '127.0.0.1', port: 0, startupDelayMs: 0 });
    expect(await up()).toBe(true);
  }, 150_000);

  it('with no daemon, a one-shot --fix says plainly it was not verified against a running service and names the pre-repair copy', async () => {
    const dir = tempDir();
    const cfg = path.join(dir, 'gateway.json');
    const userBytes = Buffer.from(config({ newFeature: { enabled: true } }));
    writeFileSync(cfg, userBytes);
    const stateDir = path.join(dir, 'state');
    mkdirSync(stateDir);
    const clawback = path.join(dir, 'clawback.json');
    const svc = { name: 'gw', command: [NODE, DEMO_GATEWAY_SERVER, '--config', cfg], configFile: { path: cfg, format: 'json', validateCommand: [NODE, DEMO_GATEWAY_SERVER, '--check-config', '{file}'] } };
    writeFileSync(clawback, JSON.stringify({ stateDir, services: [svc] }));
    const r = await runCli(['doctor', 'gw', '--fix', '--config', clawback], { cwd: dir, timeoutMs: 60_000 });
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toContain('not verified against a running service (no daemon supervises it)');
    const named = /the pre-repair copy of .*gateway\.json: (\S+)/.exec(r.stdout);
    expect(named, r.stdout).not.toBeNull();
    expect(readFileSync(named![1]!).equals(userBytes), 'the named copy holds the bytes before the repair').toBe(true);
  }, 60_000);
});
