// The verdict on a run whose daemon died (judged at the next daemon's start) puts its files back from its snapshot: it
// takes the service cwd's lock for that, so it never reverts under another service's run at work in the same folder.
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { BROKEN_CONFIG, FIXED_CONFIG, makeScenario } from './scenario.js';
import { agentBed } from './agent-bed.js';
import { killedDaemonRun } from './killed-daemon-run.js';
import { judgeOrphanRun } from '../../src/emergency/run-emergency.js';
import { takeWorkdirLock } from '../../src/emergency/workdir-lock.js';
import { systemClock } from '../../src/platform/clock.js';
import { waitFor } from '../helpers/processes.js';

const bed = agentBed('orphanverdictdir');

it("an orphan run's revert at boot waits for the run holding the service's cwd, then puts its files back", { timeout: 120_000 }, async () => {
  const s = bed.track(await makeScenario());
  const config = s.host.configPath;
  const marker = path.join(s.dir, 'edited');
  const fixed = path.join(s.dir, 'fixed.json');
  await fs.writeFile(fixed, FIXED_CONFIG);
  const fixer = path.join(s.dir, 'fixer.sh');
  await fs.writeFile(fixer, `#!/bin/sh\ncat ${JSON.stringify(fixed)} > ${JSON.stringify(config)}\ntouch ${JSON.stringify(marker)}\nwhile :; do sleep 1; done\n`, { mode: 0o755 });
  const oldId = `inc-orphan-verdict-dir-${process.pid}`;
  await killedDaemonRun(s, bed, fixer, oldId, () => existsSync(marker), { cwd: s.dir });
  expect(await fs.readFile(config, 'utf8')).toBe(FIXED_CONFIG);

  // Another service's run in the same cwd holds the folder (it took over the dead run's lock).
  const clock = systemClock();
  const other = await takeWorkdirLock(s.stateDir, s.dir, { clock, waitMs: 10_000 });
  expect(other.ok).toBe(true);
  const judged = judgeOrphanRun({ stateDir: s.stateDir, serviceName: s.service.name, clock, redactor: s.redactor, emit: (e) => s.events.push(e), configPath: config, workdir: s.dir });
  const action = (a: string) => s.events.find((e) => (e.details as { action?: string } | undefined)?.action === a);
  const waits = await waitFor(() => action('agent-verdict-waits-agent'), { timeoutMs: 30_000 });
  expect(waits.message).toContain(s.dir);
  // While that run holds the folder, nothing of it is put back.
  await new Promise((r) => setTimeout(r, 1500));
  expect(await fs.readFile(config, 'utf8')).toBe(FIXED_CONFIG);
  expect(s.events.some((e) => e.type === 'agent.finished')).toBe(false);
  if (other.ok) await other.release();
  await judged;
  const verdict = s.events.find((e) => e.type === 'agent.finished' && e.incidentId === oldId);
  expect(verdict?.message).toMatch(/never verified: its daemon died mid-run/);
  expect(action('agent-verdict-waited-agent')).toBeUndefined();
  expect(await fs.readFile(config, 'utf8')).toBe(BROKEN_CONFIG);
});
