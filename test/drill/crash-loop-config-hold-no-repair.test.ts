// The crash-loop drill on a service that refuses one start on a lock its killed instance left (exit 78), and removes
// that lock itself as it refuses: the daemon holds it (config) after 1 kill, before the breaker can trip; the doctor
// finds nothing to repair (no lockFiles), the incident escalates (the alert), the service stays down until the drill's
// resume, then serves. That is the loop stopped as it should be, named; the drill judged it FAILED only because the
// hold's reason was not "crash-loop" (outcome "held (config); ...; serving after resume", no reason given).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { NODE } from '../helpers/daemon.js';
import { runCli } from '../helpers/cli.js';
import { DEMO_GATEWAY_SERVER } from '../helpers/demo.js';
import { startDrillDaemon, type DrillDaemon } from './drill-daemon.js';
import type { DrillReport } from '../../src/drill/drill-result.js';

describe('crash-loop drill held (config) by an exit 78 the doctor has nothing to repair for', () => {
  let d: DrillDaemon;
  const lock = path.join(os.tmpdir(), `clawback-crash-loop-78-norepair-${process.pid}-${Date.now()}.lock`);
  beforeAll(async () => {
    // The instance takes the lock as it starts (the shell, before the gateway: a kill on sight under load came before
    // the gateway's own lock, so no instance ever refused and the breaker tripped instead); a SIGKILL leaves it.
    const gate = 'if [ -e "$0" ]; then rm -f "$0"; echo "lock $0 is left: refusing to start" >&2; exit 78; fi; : > "$0"; exec "$@"';
    d = await startDrillDaemon('gateway', { command: ['/bin/sh', '-c', gate, lock, NODE, DEMO_GATEWAY_SERVER, '--port', '{port}'] });
  }, 60_000);
  afterAll(async () => {
    await d?.stop();
    rmSync(lock, { force: true });
  });

  it('passes, naming the config hold and that it stayed down until the resume', async () => {
    const r = await runCli(['drill', 'crash-loop', '--json', '--yes', '--timeout', '40', '--state-dir', d.stateDir], { timeoutMs: 150_000 });
    const report = JSON.parse(r.stdout) as DrillReport;
    const trial = report.trials[0]!;
    expect(trial.notes.join('\n')).toMatch(/held after \d+ kill\(s\): config: exit code 78/);
    expect(trial.outcome).toMatch(/held \(config\): a new instance refused to start/);
    expect(trial.outcome).toMatch(/stayed down/);
    expect(trial.outcome).toMatch(/serving after resume/);
    expect(trial).toMatchObject({ recovered: true, recoverFrom: 'release', asExpected: true });
    expect(r.code, r.stderr).toBe(0);
  }, 180_000);
});
