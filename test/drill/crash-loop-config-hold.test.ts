// The crash-loop drill on a service that leaves a stale lock: the next instance may exit 78 on that lock before the
// breaker trips (a race the drill cannot control under load). The daemon then holds it (config), the doctor removes the
// lock and lifts the hold itself (reason doctor), as after a trip. The drill judged that correct recovery FAILED ("held
// (config)", not "crash-loop"). Here the config hold wins every time: a shell gate exits 78 on the lock before Node starts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli } from '../helpers/cli.js';
import { startDrillDaemon, type DrillDaemon } from './drill-daemon.js';
import type { DrillReport } from '../../src/drill/drill-result.js';

describe('crash-loop drill where the next instance exits 78 on the stale lock before the breaker trips', () => {
  let d: DrillDaemon;
  const lock = path.join(os.tmpdir(), `clawback-crash-loop-78-${process.pid}-${Date.now()}.lock`);
  beforeAll(async () => {
    d = await startDrillDaemon('gateway', { env: { DEMO_LOCK_FILE: lock }, lockFiles: [lock], exit78OnFile: lock });
  }, 60_000);
  afterAll(async () => {
    await d?.stop();
    rmSync(lock, { force: true });
  });

  it('passes, naming the config hold, when the doctor repairs it and it serves again', async () => {
    const r = await runCli(['drill', 'crash-loop', '--json', '--yes', '--timeout', '40', '--state-dir', d.stateDir], { timeoutMs: 120_000 });
    const report = JSON.parse(r.stdout) as DrillReport;
    const trial = report.trials[0]!;
    expect(trial.notes.join('\n')).toMatch(/held after \d+ kill\(s\): config: exit code 78/);
    expect(trial.outcome).toMatch(/held \(config\)/);
    expect(trial.outcome).not.toMatch(/breaker tripped/);
    expect(trial.outcome).toMatch(/the doctor repaired what the crashes left/);
    expect(trial.recovered).toBe(true);
    expect(trial.recoverFrom).toBe('fault');
    expect(trial.asExpected).toBe(true);
    expect(r.code).toBe(0);
  }, 150_000);
});
