// A person's resume cancels a Level 3 run: the ladder climbs again from Level 0, and Level 4 says why no agent ran.
import { afterEach, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { NODE, startTestDaemon, tempDir, type TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';
import { freePort } from '../helpers/ports.js';
import { DEMO_GATEWAY_SERVER } from '../helpers/demo.js';

const BROKEN = JSON.stringify({ name: 'demo-gateway', host: '127.0.0.1', port: 'oops' }, null, 2) + '\n';

let daemons: TestDaemon[] = [];
afterEach(async () => {
  for (const d of daemons) await d.stop();
  daemons = [];
});

describe('the failure after a resume that cancelled the agent run', () => {
  it("runs the doctor again, and Level 4 names the cancelled run (before: straight to Level 4, 'exit code 78: the configuration is broken' and nothing of either rung)", { timeout: 120_000 }, async () => {
    const dir = tempDir();
    const cfg = path.join(dir, 'gateway.json');
    writeFileSync(cfg, BROKEN);
    const agent = path.join(dir, 'agent.sh');
    writeFileSync(agent, 'echo thinking\nsleep 90\n');
    const port = await freePort();
    const t = await startTestDaemon(
      {
        services: [
          {
            name: 'gw',
            command: [NODE, DEMO_GATEWAY_SERVER, '--config', cfg, '--port', String(port)],
            cwd: dir,
            configFile: { path: cfg, format: 'json' },
            probes: [{ kind: 'http', url: `http://127.0.0.1:${port}/health`, interval: '300ms', timeout: '500ms', startupGrace: '5s' }],
            doctor: { attempts: 1 },
            emergency: { adapter: 'command', command: ['sh', agent], timeBox: '90s', verifyWindow: '2s' },
          },
        ],
      },
      { dir },
    );
    daemons.push(t);
    const rt = t.daemon.runtimes.get('gw')!;
    await waitFor(() => t.events.find((e) => e.type === 'agent.started'), { timeoutMs: 60_000 });
    const run = rt.status().work!;
    expect(run.kind).toBe('agent');
    await t.daemon.action('gw', 'resume');
    const escalated = await waitFor(() => t.events.find((e) => e.type === 'incident.escalated'), { timeoutMs: 60_000 });
    const cancelled = t.events.find((e) => e.type === 'incident.action' && e.message.includes(`agent run ${run.id} cancelled`));
    expect(cancelled?.message).toContain('the ladder climbs from Level 0: the doctor (1 attempt(s)); no second agent run for this incident');
    const doctors = t.events.filter((e) => e.type === 'incident.action' && /running the doctor \(attempt 1 of 1\)/.test(e.message));
    expect(doctors.length).toBe(2);
    expect(escalated.message).toContain('doctor could not fix it');
    expect(escalated.message).toContain(`no agent run: this incident's one run is used (its run ${run.id} was cancelled by a person)`);
    await waitFor(() => t.events.find((e) => e.type === 'agent.finished'), { timeoutMs: 60_000 });
  });
});
