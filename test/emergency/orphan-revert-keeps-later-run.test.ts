// A run whose daemon died mid-run has no recorded end; another service's run in the same cwd took the folder over, fixed
// its files and was verified and kept. The dead run's revert, judged later, must not undo that kept fix: a file whose
// content is no longer what the dead run left (as the later run's pre-run snapshot saw it) is kept, and said so.
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { FIXED_CONFIG, makeScenario } from './scenario.js';
import { agentBed } from './agent-bed.js';
import { killedDaemonRun } from './killed-daemon-run.js';
import { judgeOrphanRun } from '../../src/emergency/run-emergency.js';
import { systemClock } from '../../src/platform/clock.js';

const bed = agentBed('orphankeptlater');

it("a killed daemon's run is reverted without undoing a later, kept run of another service in the same cwd", { timeout: 150_000 }, async () => {
  const s = bed.track(await makeScenario());
  const config = s.host.configPath;
  const shared = path.join(s.dir, 'shared.txt');
  await fs.writeFile(shared, 'original\n');
  const marker = path.join(s.dir, 'edited');
  // The dead run: a half edit of the shared file and a note of its own, then it works on until its daemon is killed.
  const half = path.join(s.dir, 'half.sh');
  await fs.writeFile(half, `#!/bin/sh\necho half > ${JSON.stringify(shared)}\necho mine > ${JSON.stringify(path.join(s.dir, 'a-note'))}\ntouch ${JSON.stringify(marker)}\nwhile :; do sleep 1; done\n`, { mode: 0o755 });
  const oldId = `inc-orphan-kept-later-${process.pid}`;
  await killedDaemonRun(s, bed, half, oldId, () => existsSync(marker), { cwd: s.dir });
  expect(await fs.readFile(shared, 'utf8')).toBe('half\n');

  // Service `other` (same cwd and state dir) runs next: its agent fixes the config and the shared file; verified, kept.
  const fixed = path.join(s.dir, 'fixed.json');
  await fs.writeFile(fixed, FIXED_CONFIG);
  const fixer = path.join(s.dir, 'fixer.sh');
  await fs.writeFile(fixer, `#!/bin/sh\ncat ${JSON.stringify(fixed)} > ${JSON.stringify(config)}\necho fixed-by-other > ${JSON.stringify(shared)}\n`, { mode: 0o755 });
  const r = await s.run(
    { adapter: 'command', command: [fixer, '{prompt_file}'], timeBox: '30s', verifyWindow: '1s' },
    { service: { ...s.service, name: 'other' }, adapterOptions: { cli: { tmux: { socket: bed.socket }, env: { CLAWBACK_TEST_CHILD: '1' } } } },
  );
  expect(r.outcome).toBe('fixed');
  expect(await fs.readFile(shared, 'utf8')).toBe('fixed-by-other\n');

  await judgeOrphanRun({ stateDir: s.stateDir, serviceName: s.service.name, clock: systemClock(), redactor: s.redactor, emit: (e) => s.events.push(e), configPath: config, workdir: s.dir });
  const verdict = s.events.find((e) => e.type === 'agent.finished' && e.incidentId === oldId);
  expect(verdict).toBeDefined();
  // The kept run's fix stands; the dead run's own file (untouched since) is removed.
  expect(await fs.readFile(config, 'utf8')).toBe(FIXED_CONFIG);
  expect(await fs.readFile(shared, 'utf8')).toBe('fixed-by-other\n');
  expect(existsSync(path.join(s.dir, 'a-note'))).toBe(false);
  expect((verdict?.details as { keptChangedAfterAgent?: string[] }).keptChangedAfterAgent ?? []).toEqual(expect.arrayContaining([path.resolve(shared), path.resolve(config)]));
  expect(verdict?.message).toContain(path.resolve(shared));
});
