// A Level 3 agent run through `npx <package>` whose package is not on this machine: npx went to the registry (75 s of
// retries against a refused one, longer offline) and the run counted as a paid, tried run. It is "not installed" now.
import { promises as fs } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { emergencySchema, type EmergencyConfigInput } from '../../src/emergency/emergency-schema.js';
import { runAgentSession } from '../../src/emergency/run-emergency.js';
import { systemClock } from '../../src/platform/clock.js';
import { BROKEN_CONFIG, makeScenario, type Scenario } from './scenario.js';

let scenario: Scenario | undefined;

afterEach(async () => {
  await scenario?.cleanup();
  scenario = undefined;
});

/** A loopback port nothing listens on: the "registry" of an offline machine (refused at once). */
async function closedPort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

let n = 0;

function session(s: Scenario, cfg: EmergencyConfigInput, env: Record<string, string>, tmux: boolean) {
  return runAgentSession({
    incident: s.incident(`npx-${process.pid}-${++n}`),
    service: s.service,
    config: emergencySchema.parse(cfg),
    host: s.host,
    clock: systemClock(),
    redactor: s.redactor,
    stateDir: s.stateDir,
    emit: (e) => s.events.push(e),
    adapterOptions: { cli: { tmux: tmux ? { socket: `clawback-test-npx-${process.pid}` } : false, env } },
  });
}

describe('Level 3 with an npx agent on an offline machine', () => {
  for (const tmux of [true, false]) {
    it(`a package npx cannot resolve locally (${tmux ? 'tmux' : 'bare PTY'}): launched false, said so, no registry wait`, async () => {
      scenario = await makeScenario();
      const cache = path.join(scenario.dir, 'npm-cache');
      await fs.mkdir(cache);
      const env = {
        PATH: process.env.PATH ?? '',
        HOME: scenario.dir,
        CLAWBACK_TEST_CHILD: '1',
        npm_config_registry: `http://127.0.0.1:${await closedPort()}/`,
        npm_config_cache: cache,
        npm_config_update_notifier: 'false',
      };
      const r = await session(scenario, { adapter: 'command', command: ['npx', '-y', 'clawback-no-such-agent-pkg', '--fix'], timeBox: '40s' }, env, tmux);
      // Before: launched true, outcome 'failed', 'command exited 1 after 75s' (npx retried the registry), a paid run.
      expect(r.launched).toBe(false);
      expect(r.outcome).toBe('failed');
      expect(r.detail).toContain('clawback-no-such-agent-pkg');
      expect(r.detail).toContain('npx');
      expect(await fs.readFile(scenario.host.configPath, 'utf8')).toBe(BROKEN_CONFIG);
    }, 90_000);
  }

  it('a package whose bin is in node_modules/.bin of the working directory runs (offline too)', async () => {
    scenario = await makeScenario();
    const bin = path.join(scenario.dir, 'node_modules', '.bin');
    await fs.mkdir(bin, { recursive: true });
    const marker = path.join(scenario.dir, 'agent-ran');
    await fs.writeFile(path.join(bin, 'clawback-local-agent'), `#!/bin/sh\necho ran > ${JSON.stringify(marker)}\n`, { mode: 0o755 });
    const cache = path.join(scenario.dir, 'npm-cache');
    await fs.mkdir(cache);
    const env = {
      PATH: process.env.PATH ?? '',
      HOME: scenario.dir,
      CLAWBACK_TEST_CHILD: '1',
      npm_config_registry: `http://127.0.0.1:${await closedPort()}/`,
      npm_config_cache: cache,
      npm_config_update_notifier: 'false',
    };
    const r = await session(scenario, { adapter: 'command', command: ['npx', '--yes', 'clawback-local-agent'], timeBox: '40s', verifyWindow: '1s' }, env, false);
    expect(r.launched).toBe(true);
    expect(await fs.readFile(marker, 'utf8')).toBe('ran\n');
  }, 90_000);
});
