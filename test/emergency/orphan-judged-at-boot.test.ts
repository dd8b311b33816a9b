// A daemon killed mid-run whose state.json is then lost: the next daemon judges that run at its start (never verified,
// so put back, its agent ended), even when the service would recover on the agent's files and no Level 3 run follows.
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { BROKEN_CONFIG, FIXED_CONFIG, makeScenario } from './scenario.js';
import { agentBed } from './agent-bed.js';
import { killedDaemonRun } from './killed-daemon-run.js';
import { NODE, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { DEMO_GATEWAY_SERVER } from '../helpers/demo.js';
import { freePort } from '../helpers/ports.js';
import { waitFor } from '../helpers/processes.js';

const bed = agentBed('orphanboot');
let daemon: TestDaemon | undefined;
afterEach(async () => {
  await daemon?.stop();
  daemon = undefined;
});

it("the next daemon judges a killed daemon's unrecorded run at its start, before the service starts on its files", { timeout: 120_000 }, async () => {
  const s = bed.track(await makeScenario());
  const config = s.host.configPath;
  const marker = path.join(s.dir, 'edited');
  // The orphan "fixes" the config (a valid one the service would run healthy on), then works on: nothing verified it.
  const fixed = path.join(s.dir, 'fixed.json');
  await fs.writeFile(fixed, FIXED_CONFIG);
  const fixer = path.join(s.dir, 'fixer.sh');
  await fs.writeFile(fixer, `#!/bin/sh\ncat ${JSON.stringify(fixed)} > ${JSON.stringify(config)}\ntouch ${JSON.stringify(marker)}\nwhile :; do sleep 1; done\n`, { mode: 0o755 });
  const oldId = `inc-orphan-boot-${process.pid}`;
  await killedDaemonRun(s, bed, fixer, oldId, () => existsSync(marker));
  expect(await fs.readFile(config, 'utf8')).toBe(FIXED_CONFIG);

  // The next daemon (no state.json): no agent of its own would run (no budget), so only the boot can judge the orphan.
  const port = await freePort();
  daemon = await startTestDaemon(
    {
      services: [
        {
          name: s.service.name,
          command: [NODE, DEMO_GATEWAY_SERVER, '--config', config, '--port', String(port)],
          cwd: s.dir,
          configFile: { path: config, format: 'json' },
          probes: [{ kind: 'http', url: `http://127.0.0.1:${port}/health`, interval: '300ms', timeout: '500ms', startupGrace: '5s' }],
          doctor: { attempts: 0 },
          emergency: { adapter: 'command', command: ['true'], budget: { runs: 0, window: '1h' } },
        },
      ],
    },
    { dir: s.dir },
  );
  const verdict = await waitFor(() => daemon!.events.find((e) => e.type === 'agent.finished' && e.incidentId === oldId), { timeoutMs: 30_000 });
  expect(verdict.message).toMatch(/never verified: its daemon died mid-run/);
  expect((verdict.details as { revertedFiles?: string[] }).revertedFiles).toContain(path.resolve(config));
  const said = daemon.events.find((e) => (e.details as { action?: string } | undefined)?.action === 'agent-orphan-reverted');
  expect(said?.message).toContain("at the daemon's start");
  // Judged before the service started on the agent's unverified config.
  const started = daemon.events.findIndex((e) => e.type === 'service.started');
  expect(started < 0 || daemon.events.indexOf(verdict) < started).toBe(true);
  expect(await fs.readFile(config, 'utf8')).toBe(BROKEN_CONFIG);
  expect(existsSync(path.join(s.stateDir, 'incidents', oldId, 'agent-result.json'))).toBe(true);
});
