import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { promises as fs, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startTestDaemon, NODE, tempDir, type TestDaemon } from '../helpers/daemon.js';
import { runCli } from '../helpers/cli.js';
import { freePort } from '../helpers/ports.js';
import { waitFor } from '../helpers/processes.js';
import { DEMO_GATEWAY_SERVER } from '../helpers/demo.js';
import type { DrillReport } from '../../src/drill/drill-result.js';

/** `clawback drill stale-lock` on a demo gateway that keeps an instance lock: SIGKILL leaves it, the doctor removes it. */
describe('drill stale-lock (demo gateway with DEMO_LOCK_FILE)', () => {
  let td: TestDaemon;
  let lockFile: string;
  beforeAll(async () => {
    const dir = tempDir('clawback-drill-lock-');
    const port = await freePort();
    const gatewayConfig = path.join(dir, 'gateway.json');
    writeFileSync(gatewayConfig, JSON.stringify({ name: 'demo-gateway', host: '127.0.0.1', port: 0 }));
    lockFile = path.join(dir, 'gw.lock');
    td = await startTestDaemon(
      {
        services: [
          {
            name: 'gw',
            command: [NODE, DEMO_GATEWAY_SERVER, '--config', gatewayConfig, '--port', String(port)],
            env: { DEMO_LOCK_FILE: lockFile },
            port,
            lockFiles: [lockFile],
            restart: { backoff: { initial: '100ms', max: '1s', jitter: 0 }, intensity: { maxRestarts: 4, window: '1m' }, preventExitCodes: [78] },
            stop: { grace: '2s' },
            probes: [{ kind: 'http', name: 'health', url: `http://127.0.0.1:${port}/health`, interval: '300ms', timeout: '500ms', failureThreshold: 2, startupGrace: '5s' }],
            drillable: true,
          },
        ],
      },
      { dir },
    );
    await waitFor(() => td.daemon.runtimes.get('gw')!.status().health === 'healthy', { timeoutMs: 20_000 });
  }, 60_000);
  afterAll(async () => {
    await td?.stop();
  });

  it('the killed instance leaves its lock, the restart refuses it (exit 78), the doctor removes it (kept as evidence), serving again', async () => {
    const live = JSON.parse(await fs.readFile(lockFile, 'utf8')) as { pid: number };
    expect(live.pid).toBe(td.daemon.runtimes.get('gw')!.status().pid);
    const r = await runCli(['drill', 'stale-lock', '--trials', '1', '--timeout', '40', '--json', '--yes', '--state-dir', td.stateDir], { timeoutMs: 120_000 });
    const report = JSON.parse(r.stdout) as DrillReport;
    const t = report.trials[0]!;
    expect(t.asExpected, `${t.outcome}\n${r.stderr}`).toBe(true);
    expect(t.outcome).toMatch(/the doctor removed the stale lock/);
    process.stdout.write(`stale-lock drill: ${t.outcome}; recovered in ${t.recoverMs} ms\n`);
    expect(td.events.some((e) => e.type === 'service.exited' && (e.details as { code?: number }).code === 78)).toBe(true);
    const now = JSON.parse(await fs.readFile(lockFile, 'utf8')) as { pid: number };
    expect(now.pid).toBe(td.daemon.runtimes.get('gw')!.status().pid);
    expect(now.pid).not.toBe(live.pid);
    const kept = await fs.readdir(path.join(td.stateDir, 'evidence', 'locks', 'gw'));
    expect(kept.length).toBe(1);
    expect(await fs.readFile(path.join(td.stateDir, 'evidence', 'locks', 'gw', kept[0]!), 'utf8')).toContain(`"pid":${live.pid}`);
  }, 150_000);
});
