// The doctor's file repair rolls itself back when the service is not healthy after it (DESIGN "Do no harm"), in the
// running daemon: a user's key the validator rejects is removed, the service still exits 1 at start (an unrelated
// dependency is broken), so the user's file is put back byte for byte, the doctor's version kept, and Level 4 says so.
import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
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

describe("a doctor repair that did not bring health back is rolled back", () => {
  it("the user's file is back byte for byte, the doctor's version kept, the journal and Level 4 say so", async () => {
    const dir = tempDir();
    const cfg = path.join(dir, 'gateway.json');
    const dep = path.join(dir, 'dependency.ok');
    writeFileSync(cfg, config({ startupDelayMs: 0 }));
    writeFileSync(dep, 'up\n');
    // The demo gateway behind a dependency check: without the dependency it exits 1 at once (the repair cannot help).
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
            doctor: { snapshotAfter: '300ms', attempts: 2 },
            restart: { backoff: { initial: '100ms', jitter: 0 }, intensity: { maxRestarts: 3, window: '1m' } },
            probes: [{ kind: 'http', url: `http://127.0.0.1:${port}/health`, interval: '300ms', timeout: '500ms', failureThreshold: 3, startupGrace: '5s' }],
          },
        ],
      },
      { dir },
    );
    const t = td;
    const rt = t.daemon.runtimes.get('gw')!;
    const up = async (): Promise<boolean> => (await httpGet(`http://127.0.0.1:${port}/health`, 500).catch(() => ({ status: 0 }))).status === 200;
    await waitFor(up, { timeoutMs: 20_000 });
    await waitFor(() => t.events.some((e) => e.type === 'config.snapshot'), { timeoutMs: 20_000 });

    // The user adds a key the validator rejects, and (unrelated) the dependency goes away; the gateway then dies.
    const userBytes = Buffer.from(config({ startupDelayMs: 0, newFeature: { enabled: true } }));
    writeFileSync(cfg, userBytes);
    rmSync(dep);
    process.kill(rt.status().pid!, 'SIGKILL');

    await waitFor(() => t.events.some((e) => e.type === 'incident.escalated'), {
      timeoutMs: 60_000,
      message: () => `Level 4; last events: ${t.events.slice(-10).map((e) => `${e.type}: ${e.message}`).join(' | ')}`,
    });
    // The doctor did remove the key (its repair), and that was verified against the service, which still failed.
    const repair = t.journal().find((e) => e.type === 'doctor.repair' && e.details?.applied && e.details?.method === 'remove-named-keys');
    expect(repair, 'the doctor removed the key').toBeDefined();
    // The user's file is back, byte for byte.
    expect(readFileSync(cfg).equals(userBytes)).toBe(true);
    // The doctor's version is kept beside it as evidence (the key removed), and the original as before (.corrupt-*).
    const undone = readdirSync(dir).filter((f) => f.startsWith('gateway.json.doctor-undone-'));
    expect(undone).toHaveLength(1);
    const doctors = JSON.parse(readFileSync(path.join(dir, undone[0]!), 'utf8')) as Record<string, unknown>;
    expect(doctors).toEqual({ name: 'demo-gateway', host: '127.0.0.1', port: 0, startupDelayMs: 0 });
    expect(readdirSync(dir).filter((f) => f.startsWith('gateway.json.corrupt-'))).toHaveLength(1);
    // The journal says so, and the human is told the repair was undone (not "still in place").
    const journal = t.journal();
    const reverted = journal.find((e) => e.type === 'doctor.repair' && e.details?.undone === true);
    expect(reverted?.details).toMatchObject({ kept: [] });
    expect(reverted?.message).toContain(undone[0]);
    const esc = journal.filter((e) => e.type === 'incident.escalated');
    expect(esc).toHaveLength(1);
    expect(esc[0]!.message).toContain("the doctor's file changes were undone");
    expect(esc[0]!.message).not.toContain('still in place');
    // One doctor run: a second would have removed the user's key again.
    expect(journal.filter((e) => e.type === 'incident.action' && e.details?.action === 'doctor')).toHaveLength(1);
  }, 120_000);
});
