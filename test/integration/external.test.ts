// A service another manager runs: Clawback attaches to its pid and restarts it through that manager.
import { afterEach, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { startTestDaemon, FIXTURES, NODE, tempDir, type TestDaemon } from '../helpers/daemon.js';
import { httpGet, isAlive, killTree, pidRef, waitFor, type PidRef } from '../helpers/processes.js';
import { freePort } from '../helpers/ports.js';
import { DEMO_GATEWAY_SERVER } from '../helpers/demo.js';
import { parsePid } from '../../src/supervisor/external-process.js';

let td: TestDaemon | undefined;
const pids: PidRef[] = [];
afterEach(async () => {
  await td?.stop();
  td = undefined;
  for (const ref of pids.splice(0)) killTree(ref);
});

describe('external services', () => {
  it('parses pids the way service managers print them', () => {
    expect(parsePid('MainPID=4242\n')).toBe(4242);
    expect(parsePid('4242')).toBe(4242);
    expect(parsePid('MainPID=0')).toBeUndefined();
    expect(parsePid('')).toBeUndefined();
    expect(parsePid('gui/501/ai.openclaw.gateway = {\n\tstate = running\n\tpid = 777\n}')).toBe(777);
    expect(parsePid('gui/501/ai.openclaw.gateway = {\n\tstate = waiting\n}')).toBeUndefined();
  });

  it('adopts the running service, restarts it through its manager after a crash, and leaves it running on daemon stop', async () => {
    const dir = tempDir();
    const port = await freePort();
    const pidFile = path.join(dir, 'gw.pid');
    const manager = (action: string) => [NODE, path.join(FIXTURES, 'fake-manager.mjs'), action, pidFile, NODE, DEMO_GATEWAY_SERVER, '--port', String(port)];
    const env = { ...process.env, CLAWBACK_TEST_CHILD: '1' };
    execFileSync(manager('start')[0]!, manager('start').slice(1), { env });
    const first = Number(readFileSync(pidFile, 'utf8'));
    pids.push(pidRef(first));
    await waitFor(async () => (await httpGet(`http://127.0.0.1:${port}/health`, 500).catch(() => ({ status: 0 }))).status === 200, { timeoutMs: 10_000 });

    td = await startTestDaemon({
      services: [
        {
          name: 'gw',
          external: { pidFile, restartCommand: manager('restart'), startCommand: manager('start'), timeout: '10s' },
          env: { CLAWBACK_TEST_CHILD: '1' },
          probes: [{ kind: 'http', url: `http://127.0.0.1:${port}/health`, interval: '300ms', timeout: '500ms' }],
        },
      ],
    });
    const t = td;
    const rt = t.daemon.runtimes.get('gw')!;
    await waitFor(() => rt.status().health === 'healthy', { timeoutMs: 10_000 });
    expect(rt.status().pid).toBe(first);
    expect(t.events.some((e) => e.type === 'service.started')).toBe(true);

    process.kill(first, 'SIGKILL');
    const second = await waitFor(() => {
      const p = rt.status().pid;
      return p && p !== first && rt.status().health === 'healthy' ? p : undefined;
    }, { timeoutMs: 20_000 });
    pids.push(pidRef(second));
    expect(Number(readFileSync(pidFile, 'utf8'))).toBe(second);
    // The incident resolves once health held for doctor.confirmAfter (5 s by default), not at the first healthy verdict.
    const healthyAt = t.events.filter((e) => e.type === 'service.healthy').at(-1)!.time;
    const resolved = await waitFor(() => t.events.find((e) => e.type === 'incident.resolved'), { timeoutMs: 20_000 });
    expect(resolved.time - healthyAt).toBeGreaterThanOrEqual(5000);

    await t.stop();
    td = undefined;
    expect(isAlive(second)).toBe(true);
  });
});
