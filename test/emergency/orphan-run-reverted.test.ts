// A daemon killed mid-run whose state.json is then lost never judges that run: its agent's file changes, never verified,
// are put back from the run's snapshot when the service's next Level 3 run starts (the agent's version kept as evidence).
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { BROKEN_CONFIG, makeScenario } from './scenario.js';
import { agentBed } from './agent-bed.js';
import { killedDaemonRun } from './killed-daemon-run.js';

const bed = agentBed('orphanrev');

it('the next run puts back the unverified file changes of a killed daemon\'s run, keeps them as evidence, and says so', { timeout: 90_000 }, async () => {
  const s = bed.track(await makeScenario());
  const config = s.host.configPath;
  const marker = path.join(s.dir, 'edited');
  // The orphan: half-edits the config, then works on (nobody answers it).
  const halfEdit = path.join(s.dir, 'half-edit.sh');
  await fs.writeFile(halfEdit, `#!/bin/sh\nprintf '{ "half": ' > ${JSON.stringify(config)}\ntouch ${JSON.stringify(marker)}\nwhile :; do sleep 1; done\n`, { mode: 0o755 });
  const oldId = `inc-orphan-rev-${process.pid}`;
  await killedDaemonRun(s, bed, halfEdit, oldId, () => existsSync(marker));
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
