// A Level 3 run that never started (every try waited out a person's repair lock) is no "agent tried this failure": after
// the person's resume the failure's return got Level 4 at once (the agent counted as tried), no run started, and the
// never-started run was journaled "Level 3 did not fix" with an agent-result.json that would refuse the incident's next run.
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, expect, it } from 'vitest';
import { NODE, startTestDaemon, tempDir, type TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';
import { runCli } from '../helpers/cli.js';
import { repairLockPath } from '../../src/doctor/repair-lock.js';
import { FileLock } from '../../src/platform/file-lock.js';

const FAKE_CLAUDE = fileURLToPath(new URL('../emergency/bin/claude', import.meta.url));

let daemon: TestDaemon | undefined;
let lock: FileLock | undefined;
afterEach(async () => {
  await lock?.release();
  lock = undefined;
  await daemon?.stop();
  daemon = undefined;
});

it("a run that never started does not bar the agent after a person's resume", { timeout: 200_000 }, async () => {
  const dir = tempDir();
  const stateDir = path.join(dir, 'state');
  // The test is the person repairing the service: it holds the service's repair lock through all of the daemon's waits.
  mkdirSync(path.dirname(repairLockPath(stateDir, 'crashy')), { recursive: true, mode: 0o700 });
  lock = new FileLock(repairLockPath(stateDir, 'crashy'));
  expect(await lock.acquire()).toBe(true);
  const crashy = {
    name: 'crashy',
    command: [NODE, '-e', 'process.exit(78)'],
    restart: { preventExitCodes: [78] },
    // doctor timeout 1s: each run waits 16 s for the lock (doctor timeout + 15 s).
    doctor: { attempts: 0, timeout: '1s' },
    emergency: { adapter: 'command', command: [NODE, FAKE_CLAUDE, '-p'], timeBox: '30s', verifyWindow: '1s', budget: { runs: 5, window: '24h' } },
  };
  const t = await startTestDaemon({ services: [crashy] }, { dir });
  daemon = t;
  const escalated = () => t.events.filter((e) => e.level === 4 && e.type === 'incident.escalated');
  await waitFor(() => escalated()[0], { timeoutMs: 150_000 });
  expect(escalated()[0]!.message).toMatch(/not counted against the budget/);
  expect(t.events.filter((e) => e.type === 'agent.started')).toHaveLength(0);
  const incidentId = escalated()[0]!.incidentId!;
  const finished = t.events.filter((e) => e.type === 'agent.finished');
  expect(finished.length).toBeGreaterThan(0);
  for (const f of finished) expect(f.message).toMatch(/^Level 3 never started for crashy/);
  expect(existsSync(path.join(stateDir, 'incidents', incidentId, 'agent-result.json'))).toBe(false);

  // The person's repair is over; they resume the service, and it fails again.
  await lock.release();
  lock = undefined;
  const r = await runCli(['resume', 'crashy', '--config', t.configFile, '--state-dir', t.stateDir]);
  expect(r.code).toBe(0);
  const next = await waitFor(() => t.events.find((e) => e.type === 'agent.started') ?? escalated()[1], { timeoutMs: 60_000 });
  expect(next.message).not.toMatch(/the agent did not fix this failure/);
  expect(next.type).toBe('agent.started');
  expect(next.incidentId).toBe(incidentId);
});
