// The crash-loop drill waited a fixed 2 s for the doctor after the trip, then sent `resume`. A doctor run longer than
// that (here a config validator taking 4 s, as a loaded machine or a big config makes it) was cancelled by the drill
// ("a person asked to resume it") after it had removed the stale lock, and the drill reported "stayed down 2.00 s;
// serving after resume", 254 ms from its own release: the ladder's recovery counted as the drill's.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli } from '../helpers/cli.js';
import { startDrillDaemon, type DrillDaemon } from './drill-daemon.js';
import type { DrillReport } from '../../src/drill/drill-result.js';

describe('crash-loop drill when the doctor run after the trip takes longer than the 2 s the drill watches', () => {
  let d: DrillDaemon;
  const lock = path.join(os.tmpdir(), `clawback-crash-loop-slow-${process.pid}-${Date.now()}.lock`);
  beforeAll(async () => {
    d = await startDrillDaemon('gateway', { env: { DEMO_LOCK_FILE: lock }, lockFiles: [lock], validateDelayS: 4 });
  }, 60_000);
  afterAll(async () => {
    await d?.stop();
    rmSync(lock, { force: true });
  });

  it('lets the doctor finish, sends no resume over it, and measures the repair from the fault', async () => {
    const r = await runCli(['drill', 'crash-loop', '--json', '--yes', '--timeout', '40', '--state-dir', d.stateDir], { timeoutMs: 120_000 });
    const report = JSON.parse(r.stdout) as DrillReport;
    const trial = report.trials[0]!;
    const journal = readFileSync(path.join(d.stateDir, 'journal.jsonl'), 'utf8');
    expect(journal).not.toMatch(/cancelled \(a person asked to resume it\)/);
    expect(journal).not.toMatch(/restarts resumed \(resume requested\)/);
    expect(trial.outcome).toMatch(/the doctor repaired what the crashes left/);
    expect(trial.outcome).not.toMatch(/after resume/);
    expect(trial.recoverFrom).toBe('fault');
    // The doctor's 4 s validation is part of the time to recover.
    expect(trial.recoverMs).toBeGreaterThan(4000);
    expect(trial.asExpected).toBe(true);
    expect(r.code).toBe(0);
  }, 150_000);
});
