// Issue 16.5 on real processes: a verification in flight when the daemon restarts starts over on the adopted service and resolves its own incident.
import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { NODE, startTestDaemon, tempDir, type TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';
import { freePort } from '../helpers/ports.js';
import { DEMO_GATEWAY_SERVER } from '../helpers/demo.js';
import { startOpenAiStandIn, type StandIn } from '../emergency/model-standins.js';

const BROKEN = JSON.stringify({ name: 'demo-gateway', host: '127.0.0.1', port: 'oops' }, null, 2) + '\n';
const FIXED = JSON.stringify({ name: 'demo-gateway', host: '127.0.0.1', port: 0 }, null, 2) + '\n';

let daemons: TestDaemon[] = [];
let standIn: StandIn | undefined;
afterEach(async () => {
  for (const d of daemons) await d.stop();
  daemons = [];
  await standIn?.close();
  standIn = undefined;
  delete process.env.OPENAI_API_KEY;
});

describe('daemon restart during a verification (issue 16.5)', () => {
  it('the verification starts over on the adopted instance (journaled), keeps the fix and resolves the same incident at level 3', { timeout: 120_000 }, async () => {
    process.env.OPENAI_API_KEY = 'sk-test-inflight-0123456789abcdefghij';
    standIn = await startOpenAiStandIn([{ calls: [{ name: 'write_config', arguments: { text: FIXED } }] }, { calls: [{ name: 'finish', arguments: { summary: 'port was "oops"; set to 0' } }] }]);
    const dir = tempDir();
    const cfg = path.join(dir, 'gateway.json');
    writeFileSync(cfg, BROKEN);
    const port = await freePort();
    const config = {
      services: [
        {
          name: 'gw',
          command: [NODE, DEMO_GATEWAY_SERVER, '--config', cfg, '--port', String(port)],
          configFile: { path: cfg, format: 'json', validateCommand: [NODE, DEMO_GATEWAY_SERVER, '--check-config', '{file}'] },
          probes: [{ kind: 'http', url: `http://127.0.0.1:${port}/health`, interval: '300ms', timeout: '500ms', startupGrace: '5s' }],
          emergency: { adapter: 'openai', baseUrl: `${standIn.url}/v1`, model: 'stand-in', timeBox: '30s', verifyWindow: '6s' },
        },
      ],
    };
    const t1 = await startTestDaemon(config, { dir });
    daemons.push(t1);
    const rt1 = t1.daemon.runtimes.get('gw')!;
    // The agent's fix is in and its verification has begun: the daemon goes away, the gateway keeps running.
    await waitFor(() => rt1.status().work?.kind === 'verify' && rt1.status().pid !== null, { timeoutMs: 60_000 });
    const incident = rt1.status().incident!.id;
    const pid = rt1.status().pid!;
    await t1.daemon.stop({ stopServices: false });
    daemons = [];
    expect(t1.events.some((e) => e.type === 'incident.resolved')).toBe(false);

    const t2 = await startTestDaemon(config, { dir });
    daemons.push(t2);
    const rearmed = await waitFor(() => t2.events.find((e) => e.type === 'incident.action' && e.details?.action === 'work-rearmed'), { timeoutMs: 20_000 });
    expect(rearmed.details).toMatchObject({ kind: 'verify' });
    expect(t2.events.find((e) => e.type === 'daemon.adopted')?.details).toMatchObject({ pid });
    const resolved = await waitFor(() => t2.events.find((e) => e.type === 'incident.resolved'), { timeoutMs: 40_000 });
    expect(resolved.incidentId).toBe(incident);
    expect(resolved.details).toMatchObject({ highestLevel: 3, outcome: 'auto-resolved' });
    // Keeping the fix is carried out right after the verdict.
    const finished = await waitFor(() => t2.events.find((e) => e.type === 'agent.finished'), { timeoutMs: 10_000 });
    expect(finished.details).toMatchObject({ outcome: 'fixed' });
    expect(t2.events.filter((e) => e.type === 'agent.started')).toHaveLength(0);
    expect(readFileSync(cfg, 'utf8')).toBe(FIXED);
    // The verification ran on the adopted gateway: never restarted.
    expect(t2.daemon.runtimes.get('gw')!.status().pid).toBe(pid);
  });
});
