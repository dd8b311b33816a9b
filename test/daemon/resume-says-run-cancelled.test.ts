// A person's resume (or restart) during a Level 3 run cancels the run: its answer must say so, as a stop's does.
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

describe('resume during a Level 3 run', () => {
  it("the answer names the agent run it cancelled (before: 'resume gw: running (pid N)' and nothing more)", { timeout: 120_000 }, async () => {
    const dir = tempDir();
    const cfg = path.join(dir, 'gateway.json');
    writeFileSync(cfg, BROKEN);
    const agent = path.join(dir, 'agent.mjs');
    writeFileSync(agent, "console.log('thinking');\nsetTimeout(() => {}, 90_000);\n");
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
            doctor: { attempts: 0 },
            emergency: { adapter: 'command', command: [NODE, agent], timeBox: '90s', verifyWindow: '2s' },
          },
        ],
      },
      { dir },
    );
    daemons.push(t);
    const rt = t.daemon.runtimes.get('gw')!;
    await waitFor(() => t.events.find((e) => e.type === 'agent.started'), { timeoutMs: 60_000 });
    const run = rt.status().work;
    expect(run?.kind).toBe('agent');
    const answer = await t.daemon.action('gw', 'resume');
    expect(answer.message).toContain(`its agent run ${run!.id} was cancelled`);
    await waitFor(() => t.events.find((e) => e.type === 'agent.finished'), { timeoutMs: 60_000 });
  });
});
