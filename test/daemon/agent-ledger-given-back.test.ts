// A Level 3 run given back to the budget (it waited out a person's repair lock and never started) leaves the agent
// budget's ledger too: the ledger kept its start time, and the next daemon start counted the run that never ran.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, expect, it } from 'vitest';
import { NODE, startTestDaemon, tempDir, type TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';
import { agentLedgerFile } from '../../src/daemon/agent-ledger.js';
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

it('runs given back after every wait for the repair lock count against no budget, across a daemon restart', { timeout: 200_000 }, async () => {
  const dir = tempDir();
  const stateDir = path.join(dir, 'state');
  // The test itself is the person repairing the service: it holds the service's repair lock for as long as it needs.
  mkdirSync(path.dirname(repairLockPath(stateDir, 'crashy')), { recursive: true, mode: 0o700 });
  lock = new FileLock(repairLockPath(stateDir, 'crashy'));
  expect(await lock.acquire()).toBe(true);
  const crashy = {
    name: 'crashy',
    command: [NODE, '-e', 'process.exit(78)'],
    restart: { preventExitCodes: [78] },
    // doctor timeout 1s: each run waits 16 s for the lock (doctor timeout + 15 s).
    doctor: { attempts: 0, timeout: '1s' },
    emergency: { adapter: 'command', command: [NODE, FAKE_CLAUDE, '-p'], timeBox: '30s', verifyWindow: '1s', budget: { runs: 1, window: '24h' } },
  };
  daemon = await startTestDaemon({ services: [crashy] }, { dir });
  const first = daemon;
  const level4 = await waitFor(() => first.events.find((e) => e.level === 4 && e.type === 'incident.escalated'), { timeoutMs: 150_000 });
  expect(level4.message).toMatch(/not counted against the budget/);
  expect(first.events.filter((e) => e.type === 'agent.started')).toHaveLength(0);
  expect(first.events.filter((e) => (e.details as { action?: string } | undefined)?.action === 'agent-waited-repair')).toHaveLength(4);
  expect(first.daemon.runtimes.get('crashy')!.persisted().agentRuns).toEqual([]);
  await first.stop();
  daemon = undefined;
  await lock.release();
  lock = undefined;

  // The ledger holds what the reducer counts: no run.
  const ledger = agentLedgerFile(stateDir, 'crashy');
  expect(existsSync(ledger)).toBe(true);
  expect((JSON.parse(readFileSync(ledger, 'utf8')) as { runs: number[] }).runs).toEqual([]);
  // The next daemon start finds the whole budget left.
  daemon = await startTestDaemon({ services: [crashy] }, { dir });
  expect(daemon.daemon.runtimes.get('crashy')!.persisted().agentRuns).toEqual([]);
});
