// `clawback drill` and an incident it did not cause: a verdict of another probe during a hang trial replaces the frozen instance; the drill must not take that recovery as the watchdog's, nor count its figures.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { CLI, runCli } from '../helpers/cli.js';
import { NODE, tempDir } from '../helpers/daemon.js';
import { spawnMarked, waitFor } from '../helpers/processes.js';
import { startDrillDaemon, type DrillDaemon } from './drill-daemon.js';
import type { DrillReport } from '../../src/drill/drill-result.js';
import { causeOf, measureTrial, provenByJournal } from '../../src/drill/journal-measure.js';
import { crashScenario } from '../../src/drill/scenario-crash.js';
import { hangScenario } from '../../src/drill/scenario-hang.js';
import type { ClawbackEvent } from '../../src/observe/events.js';

// A check that fails when its flag file exists (and removes it, unless the sticky file exists too): a cause of its own, nothing a drill does.
const CHECK = `import fs from 'node:fs';
if (fs.existsSync(process.argv[2])) { if (!fs.existsSync(process.argv[3])) fs.rmSync(process.argv[2]); console.error('unrelated failure'); process.exit(1); }
`;

/** Whether the gateway answers /health within 300 ms (a hung one does not). */
function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/health', timeout: 300 }, (res) => {
      res.resume();
      resolve(true);
    });
    req.on('timeout', () => {
      req.destroy();
      resolve(false);
    });
    req.on('error', () => resolve(false));
  });
}

describe('clawback drill and an incident another cause opened during a trial', () => {
  let d: DrillDaemon;
  let flag: string;
  let sticky: string;
  beforeAll(async () => {
    const dir = tempDir('clawback-other-cause-');
    const check = path.join(dir, 'check.mjs');
    flag = path.join(dir, 'flag');
    sticky = path.join(dir, 'sticky');
    writeFileSync(check, CHECK);
    d = await startDrillDaemon('gateway', {
      // The watchdog is slow to judge (40 failures x 300 ms): the unrelated check is first to act on the frozen instance.
      healthFailureThreshold: 40,
      probes: [{ kind: 'command', name: 'custom', command: [NODE, check, flag, sticky], interval: '200ms', timeout: '2s', failureThreshold: 1, startupGrace: '1s' }],
    });
  }, 60_000);
  afterAll(async () => {
    await d?.stop();
  });

  it('a hang trial replaced by another probe\'s incident is not the watchdog\'s pass; its detect, level and alerts are not the trial\'s', async () => {
    const drill = spawnMarked(NODE, [CLI, 'drill', 'hang', '--yes', '--timeout', '30', '--state-dir', d.stateDir]);
    try {
      // "hang #1..." goes to stderr (progress lines); the fault follows it at once.
      await waitFor(() => drill.stderr().includes('hang #1...') || drill.stdout().includes('hang #1...'), { timeoutMs: 30_000, intervalMs: 20 });
      // The other cause comes once the fault is in (the gateway stops answering): written at "hang #1..." on a loaded
      // machine, its verdict could come before the trial's fault and fall outside the trial's window.
      await waitFor(async () => !(await answers(d.port)), { timeoutMs: 30_000, intervalMs: 50, message: 'the gateway frozen by the hang fault' });
      writeFileSync(flag, '');
      await drill.waitForExit(90_000);
    } finally {
      drill.kill();
    }
    const reportFile = /report: (\S+\.md)/.exec(drill.stdout() + drill.stderr())?.[1];
    expect(reportFile, drill.stdout()).toBeDefined();
    const report = JSON.parse(readFileSync(reportFile!.replace(/\.md$/, '.json'), 'utf8')) as DrillReport;
    const trial = report.trials[0]!;
    // What happened, from the journal: the custom check's verdict opened the incident that replaced the frozen instance.
    const journal = readFileSync(path.join(d.stateDir, 'journal.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as ClawbackEvent);
    const inTrial = journal.filter((e) => e.time >= trial.faultAt && e.service === 'gw');
    const verdicts = inTrial.filter((e) => e.type === 'service.unhealthy').map((e) => e.details?.probe);
    expect(verdicts[0], JSON.stringify(verdicts)).toBe('custom');
    expect(existsSync(flag)).toBe(false);
    if (verdicts.includes('health')) return; // the watchdog judged it too (a very slow machine): nothing to tell apart
    expect(trial.asExpected, trial.outcome).toBe(false);
    expect(trial.outcome).toContain('no watchdog verdict');
    expect(trial.detectMs).toBeNull();
    expect(trial.level).toBeNull();
    expect(report.passed).toBe(false);
  }, 150_000);

  it('a hold the ladder set for another probe\'s incident during the drill is not lifted by the drill\'s `resume`', async () => {
    const drill = spawnMarked(NODE, [CLI, 'drill', 'hang', '--yes', '--timeout', '20', '--state-dir', d.stateDir]);
    let faultAt = 0;
    try {
      await waitFor(() => drill.stderr().includes('hang #1...') || drill.stdout().includes('hang #1...'), { timeoutMs: 30_000, intervalMs: 20 });
      faultAt = Date.now();
      // The unrelated check now fails for good: restarts, then the breaker holds the service for a person.
      writeFileSync(sticky, '');
      writeFileSync(flag, '');
      await drill.waitForExit(120_000);
    } finally {
      drill.kill();
    }
    const out = drill.stdout() + drill.stderr();
    const journal = readFileSync(path.join(d.stateDir, 'journal.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as ClawbackEvent);
    const after = journal.filter((e) => e.time >= faultAt && e.service === 'gw');
    const tripped = after.find((e) => e.type === 'breaker.tripped');
    expect(tripped, out).toBeDefined();
    expect(after.filter((e) => e.type === 'breaker.resumed').map((e) => e.message), out).toEqual([]);
    expect(out).not.toContain('after the drill: resumed');
    expect(out).toContain('not lifted: incident');
    expect(out).toContain('which no fault of this drill trips');
    const status = JSON.parse((await runCli(['status', '--json', '--state-dir', d.stateDir])).stdout) as { services: Array<{ held: { reason: string } | null }> };
    expect(status.services[0]!.held?.reason).toBe('crash-loop');
  }, 180_000);

  it('the attribution is by cause, not by time (pure)', () => {
    const ev = (type: ClawbackEvent['type'], time: number, extra: Partial<ClawbackEvent> = {}): ClawbackEvent => ({ type, time, severity: 'warning', message: type, service: 'gw', ...extra });
    const probes = [{ kind: 'http' as const, name: 'health' }, { kind: 'memory' as const }, { kind: 'command' as const, name: 'custom' }];
    const seen = { asExpected: true, outcome: 'replaced, serving' };
    const other = [
      ev('service.unhealthy', 1100, { details: { probe: 'custom' } }),
      ev('incident.opened', 1100, { incidentId: 'x', level: 1, details: { reason: 'custom: command-failed', firstSignalAt: 1100 } }),
      ev('incident.level', 1200, { incidentId: 'x', level: 2 }),
      ev('incident.resolved', 1500, { severity: 'resolved', incidentId: 'x', details: { highestLevel: 2 } }),
    ];
    const w = { service: 'gw', from: 1000, to: 2000, includeDaemonEvents: false, channels: [], cause: causeOf(hangScenario.provedBy, probes) };
    expect(provenByJournal(seen, hangScenario.provedBy, other, w).asExpected).toBe(false);
    expect(measureTrial(other, w)).toEqual({ detectMs: null, level: null, alerts: 0, incidentIds: [] });
    // The watchdog's own verdict and incident still count; a memory crossing in a crash trial does not.
    const own = [ev('service.unhealthy', 1300, { details: { probe: 'health' } }), ev('incident.opened', 1300, { incidentId: 'h', level: 1, details: { reason: 'health: timeout', firstSignalAt: 1300 } })];
    expect(provenByJournal(seen, hangScenario.provedBy, [...other, ...own], w)).toEqual(seen);
    expect(measureTrial([...other, ...own], w)).toMatchObject({ detectMs: 300, level: 1, incidentIds: ['h'] });
    const memory = [ev('service.unhealthy', 1050, { details: { probe: 'memory', finding: 'memory-limit' } }), ev('incident.opened', 1050, { incidentId: 'm', level: 1, details: { reason: 'memory: memory-limit', firstSignalAt: 1050 } })];
    const crash = [ev('service.exited', 1010), ev('incident.opened', 1010, { incidentId: 'c', level: 0, details: { reason: 'killed by SIGKILL', firstSignalAt: 1010 } })];
    const cw = { ...w, cause: causeOf(crashScenario.provedBy, probes) };
    expect(measureTrial([...memory, ...crash], cw)).toMatchObject({ detectMs: 10, level: 0, incidentIds: ['c'] });
    expect(measureTrial(memory, cw).detectMs).toBeNull();
  });
});
