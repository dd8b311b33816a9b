// A person's restart during the doctor repair's verification window, in the running daemon: the restart goes ahead and
// the repair is still verified from it, so when the service then fails the doctor's file change is put back (before,
// the verification was dropped without a word and the change stayed, neither verified nor undone). A person's stop
// hands the repair over, and the journal says which files it leaves changed and where the originals are.
import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startTestDaemon, NODE, tempDir, type TestDaemon } from '../helpers/daemon.js';
import { httpGet, waitFor } from '../helpers/processes.js';
import { freePort } from '../helpers/ports.js';
import { DEMO_GATEWAY_SERVER } from '../helpers/demo.js';

let td: TestDaemon | undefined;
afterEach(async () => {
  await td?.stop();
  td = undefined;
});

const config = (o: Record<string, unknown> = {}): string => `${JSON.stringify({ name: 'demo-gateway', host: '127.0.0.1', port: 0, ...o }, null, 2)}\n`;

async function setUp(): Promise<{ t: TestDaemon; cfg: string; dep: string; port: number; userBytes: Buffer; up: () => Promise<boolean> }> {
  const dir = tempDir();
  const cfg = path.join(dir, 'gateway.json');
  const dep = path.join(dir, 'dependency.ok');
  writeFileSync(cfg, config({ startupDelayMs: 0 }));
  writeFileSync(dep, 'up\n');
  // The demo gateway behind a dependency check: without the dependency it exits 1 at once.
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
          // A long verification window: the person acts inside it.
          doctor: { snapshotAfter: '300ms', attempts: 2, confirmAfter: '30s' },
          restart: { backoff: { initial: '100ms', jitter: 0 }, intensity: { maxRestarts: 3, window: '1m' } },
          probes: [{ kind: 'http', url: `http://127.0.0.1:${port}/health`, interval: '300ms', timeout: '500ms', failureThreshold: 3, startupGrace: '5s' }],
        },
      ],
    },
    { dir },
  );
  const t = td;
  const up = async (): Promise<boolean> => (await httpGet(`http://127.0.0.1:${port}/health`, 500).catch(() => ({ status: 0 }))).status === 200;
  await waitFor(up, { timeoutMs: 20_000 });
  await waitFor(() => t.events.some((e) => e.type === 'config.snapshot'), { timeoutMs: 20_000 });
  // The user adds a key the validator rejects; the gateway dies: the preflight refuses the config, the doctor removes the key.
  const userBytes = Buffer.from(config({ startupDelayMs: 0, newFeature: { enabled: true } }));
  writeFileSync(cfg, userBytes);
  process.kill(t.daemon.runtimes.get('gw')!.status().pid!, 'SIGKILL');
  await waitFor(() => t.events.some((e) => e.type === 'incident.action' && e.details?.action === 'verify'), {
    timeoutMs: 30_000,
    message: () => `a verification; last events: ${t.events.slice(-8).map((e) => `${e.type}: ${e.message}`).join(' | ')}`,
  });
  await waitFor(up, { timeoutMs: 20_000 });
  return { t, cfg, dep, port, userBytes, up };
}

const trail = (t: TestDaemon): string => t.events.slice(-12).map((e) => `${e.type}: ${e.message}`).join(' | ');

describe("a person's command during the doctor repair's verification window", () => {
  it('restart: carried out, and the repair is still verified from it: a failure after puts the file back', async () => {
    const { t, cfg, dep, userBytes } = await setUp();
    const rt = t.daemon.runtimes.get('gw')!;
    const pidBefore = rt.status().pid;
    const res = await rt.restart('human');
    expect(res.ok).toBe(true);
    await waitFor(() => rt.status().pid !== null && rt.status().pid !== pidBefore, { timeoutMs: 20_000 });
    // Unrelated, the dependency goes away and the gateway dies: the repair did not hold.
    rmSync(dep);
    process.kill(rt.status().pid!, 'SIGKILL');
    await waitFor(() => t.events.some((e) => e.type === 'doctor.repair' && e.details?.undone === true), { timeoutMs: 30_000, message: () => `the repair undone; ${trail(t)}` });
    expect(readFileSync(cfg).equals(userBytes)).toBe(true);
    // The journal said the verification went on through the person's restart.
    expect(t.journal().some((e) => e.type === 'incident.action' && e.details?.action === 'verify-continues')).toBe(true);
  }, 120_000);

  it('stop: the repair is handed over and the journal names the files it leaves changed', async () => {
    const { t, cfg } = await setUp();
    const rt = t.daemon.runtimes.get('gw')!;
    const repaired = readFileSync(cfg);
    const res = await rt.stop('human');
    expect(res.ok).toBe(true);
    await waitFor(() => t.journal().some((e) => e.type === 'doctor.repair' && e.details?.handedOver === true), { timeoutMs: 10_000, message: () => `the hand-over said; ${trail(t)}` });
    const said = t.journal().find((e) => e.type === 'doctor.repair' && e.details?.handedOver === true)!;
    expect(said.message).toContain(cfg);
    expect(said.message).toContain('not verified');
    // Nothing was put back under the person.
    expect(readFileSync(cfg).equals(repaired)).toBe(true);
    expect(t.journal().some((e) => e.type === 'doctor.repair' && e.details?.undone === true)).toBe(false);
  }, 120_000);
});
