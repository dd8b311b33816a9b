// A daemon killed mid-run whose state.json is then lost never judges that run: its agent's file changes, never verified,
// are put back from the run's snapshot when the service's next Level 3 run starts (the agent's version kept as evidence).
import { spawn } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { BROKEN_CONFIG, makeScenario } from './scenario.js';
import { agentBed } from './agent-bed.js';
import { waitFor } from '../helpers/processes.js';

const bed = agentBed('orphanrev');
const DIST = fileURLToPath(new URL('../../dist/', import.meta.url));

/** A daemon's Level 3 run in a process of its own (built code), which the test kills as a crash would. */
const DAEMON = `
const [dist, stateDir, service, incidentId, configPath, logFile, agent, socket] = process.argv.slice(2);
const { runAgentSession } = await import(dist + 'emergency/run-emergency.js');
const { emergencySchema } = await import(dist + 'emergency/emergency-schema.js');
const { serviceSchema } = await import(dist + 'config/schema.js');
const { Redactor } = await import(dist + 'observe/redact.js');
const { systemClock } = await import(dist + 'platform/clock.js');
const { readFile } = await import('node:fs/promises');
const host = { serviceName: service, configPath, logFile, tailLog: async () => '', readConfig: () => readFile(configPath, 'utf8'), validateConfig: async () => ({ ok: false, error: 'broken' }) };
await runAgentSession({
  incident: { id: incidentId, openedAt: Date.now(), level: 3, highestLevel: 3, reason: 'exit 78', doctorRuns: 0, agentRuns: 1, status: 'open' },
  service: serviceSchema.parse({ name: service, command: ['true'], configFile: { path: configPath } }),
  config: emergencySchema.parse({ adapter: 'command', command: [agent, '{prompt_file}'], timeBox: '120s' }),
  host, clock: systemClock(), redactor: new Redactor(), stateDir, emit: () => {},
  adapterOptions: { cli: { tmux: { socket }, env: { CLAWBACK_TEST_CHILD: '1' } } },
});
`;

it('the next run puts back the unverified file changes of a killed daemon\'s run, keeps them as evidence, and says so', { timeout: 90_000 }, async () => {
  const s = bed.track(await makeScenario());
  const config = s.host.configPath;
  const marker = path.join(s.dir, 'edited');
  // The orphan: half-edits the config, then works on (nobody answers it).
  const halfEdit = path.join(s.dir, 'half-edit.sh');
  await fs.writeFile(halfEdit, `#!/bin/sh\nprintf '{ "half": ' > ${JSON.stringify(config)}\ntouch ${JSON.stringify(marker)}\nwhile :; do sleep 1; done\n`, { mode: 0o755 });
  const daemonFile = path.join(s.dir, 'daemon.mjs');
  await fs.writeFile(daemonFile, DAEMON);
  const oldId = `inc-orphan-rev-${process.pid}`;
  const child = spawn(process.execPath, [daemonFile, DIST, s.stateDir, s.service.name, oldId, config, s.host.logFile, halfEdit, bed.socket], { stdio: 'ignore' });
  try {
    await waitFor(() => existsSync(marker) || undefined, { timeoutMs: 30_000 });
  } finally {
    child.kill('SIGKILL');
  }
  await new Promise((r) => child.once('exit', r));
  expect(await fs.readFile(config, 'utf8')).toBe('{ "half": ');

  // The next daemon's run (state.json lost: nothing else judges the old one); its agent records the config it found.
  // Outside the run's allowed paths (the new run's own revert would remove it).
  const seen = path.join(await bed.tempDir('orphan-seen-'), 'seen.txt');
  const quick = path.join(s.dir, 'quick.sh');
  await fs.writeFile(quick, `#!/bin/sh\ncat ${JSON.stringify(config)} > ${JSON.stringify(seen)}\n`, { mode: 0o755 });
  const r = await s.run({ adapter: 'command', command: [quick, '{prompt_file}'], timeBox: '30s', verifyWindow: '1s' }, { adapterOptions: { cli: { tmux: { socket: bed.socket }, env: { CLAWBACK_TEST_CHILD: '1' } } } });
  expect(r.outcome).not.toBe('refused');
  // The new agent found the config as it was before the orphan's run.
  expect(await fs.readFile(seen, 'utf8')).toBe(BROKEN_CONFIG);
  const verdict = s.events.find((e) => e.type === 'agent.finished' && e.incidentId === oldId);
  expect(verdict?.message).toMatch(/never verified: its daemon died mid-run/);
  expect((verdict?.details as { revertedFiles?: string[] }).revertedFiles).toContain(path.resolve(config));
  expect(s.events.indexOf(verdict!)).toBeLessThan(s.events.findIndex((e) => e.type === 'agent.started'));
  // The orphan's version is kept as evidence, and the old run now has its verdict on disk.
  const evidence = (verdict?.details as { evidenceDir?: string }).evidenceDir;
  expect(evidence).toBeTruthy();
  const files = await fs.readdir(evidence!, { recursive: true });
  const texts = await Promise.all(files.map((f) => fs.readFile(path.join(evidence!, String(f)), 'utf8').catch(() => '')));
  expect(texts).toContain('{ "half": ');
  expect(existsSync(path.join(s.stateDir, 'incidents', oldId, 'agent-result.json'))).toBe(true);
});
