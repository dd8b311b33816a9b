// The drill's pure parts (stats, journal measures, report, corruption, budgets) and its promise to put files back on a signal.
import { describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync, rmSync, existsSync, statSync, chmodSync, chownSync, linkSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from '../helpers/daemon.js';
import { median, percentile, summarize, drillPassed, type TrialResult, type DrillReport } from '../../src/drill/drill-result.js';
import { measureTrial, deliveredNotifications, provenByJournal } from '../../src/drill/journal-measure.js';
import { hangScenario, leakScenario } from '../../src/drill/scenario-hang.js';
import { crashScenario } from '../../src/drill/scenario-crash.js';
import { parseScenarioList, SCENARIO_NAMES } from '../../src/drill/scenario-catalog.js';
import { corruptBytes } from '../../src/drill/scenario-config-corrupt.js';
import { expectedTripAt } from '../../src/drill/scenario-crash.js';
import { crashLoopBudgetMs } from '../../src/drill/scenario-crash-loop.js';
import { leakPlan } from '../../src/drill/scenario-hang.js';
import { renderMarkdown, renderTerminal, trialLine } from '../../src/drill/drill-report.js';
import { guardFile, restoreFile, releaseGuard, isIntact, removeDrillEvidence, evidenceNames } from '../../src/drill/file-guard.js';
import { RestoreStack, stopOnSignals } from '../../src/drill/restore-stack.js';
import { checkStateDir } from '../../src/drill/scenario-daemon.js';
import { restartSchema } from '../../src/config/schema.js';
import type { ClawbackEvent } from '../../src/observe/events.js';

function trial(over: Partial<TrialResult>): TrialResult {
  return {
    scenario: 'crash', trial: 1, skipped: null, asExpected: true, recovered: true, detectMs: 10, recoverMs: 100, recoverFrom: 'fault',
    level: 0, alerts: 2, notificationsDelivered: null, outcome: 'ok', notes: [], faultAt: 0, interrupted: false, ...over,
  };
}

describe('drill statistics', () => {
  it('median and nearest-rank p95', () => {
    expect(median([])).toBeNull();
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 95)).toBe(10);
    expect(percentile([5], 95)).toBe(5);
  });

  it('summarizes recovery rate over the trials that ran; skipped ones count for nothing', () => {
    const trials = [trial({ recoverMs: 100 }), trial({ trial: 2, recoverMs: 300 }), trial({ trial: 3, recovered: false, asExpected: false, recoverMs: null }), trial({ scenario: 'leak', skipped: 'no switch', recovered: false })];
    const s = summarize('crash', trials);
    expect(s).toMatchObject({ trials: 3, recovered: 2, asExpected: 2, medianRecoverMs: 200, p95RecoverMs: 300 });
    expect(s.recoveryRate).toBeCloseTo(2 / 3);
    expect(summarize('leak', trials)).toMatchObject({ trials: 1, skipped: 1, recoveryRate: null });
    expect(drillPassed(trials)).toBe(false);
    expect(drillPassed([trials[0]!, trials[3]!])).toBe(true);
  });
});

describe('journal measures', () => {
  const ev = (type: ClawbackEvent['type'], time: number, extra: Partial<ClawbackEvent> = {}): ClawbackEvent => ({ type, time, severity: 'info', message: type, service: 'gw', ...extra });
  const events = [
    ev('config.snapshot', 1000),
    ev('service.exited', 1010, { severity: 'warning' }),
    ev('incident.opened', 1011, { severity: 'warning', level: 0, incidentId: 'i1' }),
    ev('incident.level', 1200, { severity: 'warning', level: 2, incidentId: 'i1' }),
    ev('incident.resolved', 1500, { severity: 'resolved', level: 2, incidentId: 'i1', details: { highestLevel: 2 } }),
    ev('daemon.started', 1600, { service: undefined }),
    ev('service.exited', 5000, { severity: 'warning' }),
  ];

  it('detect is the first noticing event after the fault; level the highest; alerts by severity', () => {
    const m = measureTrial(events, { service: 'gw', from: 1000, to: 2000, includeDaemonEvents: false, channels: [] });
    expect(m).toEqual({ detectMs: 10, level: 2, alerts: 4, incidentIds: ['i1'] });
  });

  it('channel filters decide what counts as an alert when channels are configured', () => {
    const m = measureTrial(events, { service: 'gw', from: 1000, to: 2000, includeDaemonEvents: true, channels: [{ minSeverity: 'critical' }] });
    expect(m.alerts).toBe(1); // only the resolved event passes a critical floor
  });

  it('a recovered trial is a pass only when the journal shows the ladder acting on it (a hang replaced by a daemon restart is not)', () => {
    const w = { service: 'gw', from: 1000, to: 9000, includeDaemonEvents: false, channels: [] };
    const seen = { asExpected: true, outcome: 'SIGSTOP pid 7: judged hung, replaced, serving' };
    // A daemon restart replaced the frozen instance: no verdict in the window.
    const restartOnly = [ev('daemon.started', 3000, { service: undefined }), ev('service.started', 3100)];
    const judged = provenByJournal(seen, hangScenario.provedBy, restartOnly, w);
    expect(judged.asExpected).toBe(false);
    expect(judged.outcome).toContain('no watchdog verdict (service.unhealthy)');
    // The watchdog's verdict inside the window proves it; one outside the window does not.
    expect(provenByJournal(seen, hangScenario.provedBy, [ev('service.unhealthy', 2500)], w)).toEqual(seen);
    expect(provenByJournal(seen, hangScenario.provedBy, [ev('service.unhealthy', 500)], w).asExpected).toBe(false);
    expect(provenByJournal(seen, leakScenario.provedBy, [ev('memory.limit', 2500)], w)).toEqual(seen);
    expect(provenByJournal(seen, crashScenario.provedBy, [ev('service.exited', 1010)], w)).toEqual(seen);
    // A failed trial stays failed, and a scenario without a proof is judged by its own check.
    expect(provenByJournal({ ...seen, asExpected: false }, hangScenario.provedBy, [ev('service.unhealthy', 2500)], w).asExpected).toBe(false);
    expect(provenByJournal(seen, undefined, [], w)).toEqual(seen);
  });

  it('reads delivered notifications from the metrics text', () => {
    expect(deliveredNotifications('# HELP clawback_notifications_total x\n')).toBeNull();
    expect(deliveredNotifications('clawback_notifications_total{channel="a",result="delivered"} 3\nclawback_notifications_total{channel="b",result="delivered"} 2\nclawback_notifications_total{channel="a",result="failed"} 7\n')).toBe(5);
  });
});

describe('scenario parts', () => {
  it('parses scenario lists in canonical order and rejects unknown names', () => {
    expect(parseScenarioList('all')).toEqual([...SCENARIO_NAMES]);
    expect(parseScenarioList('nuclear,crash')).toEqual(['crash', 'nuclear']);
    expect(parseScenarioList('crash,boom')).toEqual({ error: expect.stringContaining('"boom"') });
    // The unknown-name error listed "or all" but not chaos, which `clawback drill chaos` accepts.
    expect((parseScenarioList('boom') as { error: string }).error).toMatch(/, all \(every scenario\) or chaos$/);
    // `all,crash` was refused as 'unknown scenario "all"; expected one of: ..., or all'.
    for (const arg of ['all,crash', 'crash,chaos']) {
      const r = parseScenarioList(arg);
      expect(r).toEqual({ error: expect.stringContaining('stands alone') });
      expect((r as { error: string }).error).not.toContain('unknown scenario');
    }
  });

  it('corrupts deterministically', () => {
    const original = Buffer.from('{"name":"x","port":1}\n');
    expect(corruptBytes('truncate', original)!.length).toBe(Math.floor(original.length / 2));
    expect(corruptBytes('garble', original)!.equals(corruptBytes('garble', Buffer.from('other'))!)).toBe(true);
    expect(() => JSON.parse(corruptBytes('garble', original)!.toString())).toThrow();
    expect(corruptBytes('delete', original)).toBeUndefined();
  });

  it('knows where the breaker must trip and how long it may take', () => {
    expect(expectedTripAt(10, 10)).toBeUndefined();
    expect(expectedTripAt(3, 10)).toBe(4);
    // a storm is a flapping series too: crash n is recurrence n-1, and more than maxRecurrences trips first
    expect(expectedTripAt(30, 10, { window: 600_000, maxRecurrences: 5 })).toBe(7);
    expect(expectedTripAt(10, 10, { window: 600_000, maxRecurrences: 10 })).toBeUndefined();
    expect(expectedTripAt(30, 10, { window: 0, maxRecurrences: 5 })).toBeUndefined();
    const restart = restartSchema.parse({ backoff: { initial: 100, max: 1000, jitter: 0 }, intensity: { maxRestarts: 4, window: 60_000 } });
    // 0 + 100 + 200 + 400 + 800 of backoff, 1.5 s per start, 10 s margin
    expect(crashLoopBudgetMs(restart)).toBe(10_000 + 1500 + 5 * 1500);
  });

  it('leaks fast enough to hit the limit in seconds but never far beyond it', () => {
    expect(leakPlan(200 * 1024 * 1024)).toEqual({ mbPerSec: 67, maxMb: 364 });
  });

  it('refuses to remove anything but a clawback state directory', () => {
    const dir = tempDir();
    expect(checkStateDir(dir)).toContain('no daemon.json');
    writeFileSync(path.join(dir, 'daemon.json'), '{}');
    expect(checkStateDir(dir)).toBeUndefined();
    expect(checkStateDir('/')).toContain('refusing');
    expect(checkStateDir('relative/dir')).toContain('not absolute');
  });
});

describe("the user's files", () => {
  it('a signal during a drill puts the exact bytes and mode back and stops the run; a second one exits 130', () => {
    const dir = tempDir();
    const file = path.join(dir, 'gateway.json');
    writeFileSync(file, 'original bytes\n');
    chmodSync(file, 0o640);
    const guard = guardFile(file);
    expect(existsSync(guard.backupPath!)).toBe(true);
    const stack = new RestoreStack(() => undefined);
    stack.push('restore', () => {
      restoreFile(guard);
      releaseGuard(guard);
    });
    rmSync(file);
    const codes: number[] = [];
    const stop = new AbortController();
    const uninstall = stopOnSignals(stack, stop, () => undefined, 'the drill', (c: number) => void codes.push(c));
    try {
      process.emit('SIGINT');
      // The first signal puts everything back and stops the run (which then lifts its hold and writes its report).
      expect(stop.signal.aborted).toBe(true);
      expect(codes).toEqual([]);
      process.emit('SIGINT');
    } finally {
      uninstall();
    }
    expect(codes).toEqual([130]);
    expect(readFileSync(file, 'utf8')).toBe('original bytes\n');
    expect(statSync(file).mode & 0o777).toBe(0o640);
    expect(isIntact(guard)).toBe(true);
    expect(existsSync(guard.backupPath!)).toBe(false);
    expect(stack.size()).toBe(0);
  });

  it("removes only the evidence files holding the drill's own garbage", () => {
    const dir = tempDir();
    const file = path.join(dir, 'gateway.json');
    writeFileSync(file, 'x');
    writeFileSync(`${file}.corrupt-old`, 'garbage');
    const before = evidenceNames(file);
    writeFileSync(`${file}.corrupt-new`, 'garbage');
    writeFileSync(`${file}.corrupt-other`, 'real evidence');
    expect(removeDrillEvidence(file, before, Buffer.from('garbage'))).toEqual([`${file}.corrupt-new`]);
    expect([...evidenceNames(file)].sort()).toEqual(['gateway.json.corrupt-old', 'gateway.json.corrupt-other']);
  });

  it('puts the bytes back into the same inode: hard links, owner and mode survive a corrupted and a rewritten config', () => {
    const dir = tempDir();
    const file = path.join(dir, 'gateway.json');
    const other = path.join(dir, 'gateway-link.json');
    const original = Buffer.from('{"name":"demo-gateway","port":18789}\n');
    writeFileSync(file, original);
    chmodSync(file, 0o640);
    linkSync(file, other);
    // As root the drill may run on a file another user owns: it must stay theirs.
    const owner = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : { uid: statSync(file).uid, gid: statSync(file).gid };
    chownSync(file, owner.uid, owner.gid);
    const ino = statSync(file).ino;
    for (const garbage of ['{"name":"demo-gat', '{\n  "name": "demo-gateway",\n  "port": 18789,\n  "startupDelayMs": 5000\n}\n']) {
      const guard = guardFile(file);
      // What the scenarios do: write over the file in place.
      writeFileSync(guard.realPath, garbage);
      expect(restoreFile(guard)).toBe('restored');
      releaseGuard(guard);
      const st = statSync(file);
      expect({ ino: st.ino, nlink: st.nlink, uid: st.uid, gid: st.gid, mode: st.mode & 0o7777 }).toEqual({ ino, nlink: 2, ...owner, mode: 0o640 });
      // Every name has the user's bytes again, not the drill's.
      expect(readFileSync(file).equals(original)).toBe(true);
      expect(readFileSync(other).equals(original)).toBe(true);
    }
    // A deleted file comes back with its mode and owner (the other name kept the bytes all along).
    const guard = guardFile(file);
    rmSync(file);
    expect(restoreFile(guard)).toBe('restored');
    releaseGuard(guard);
    const st = statSync(file);
    expect({ uid: st.uid, gid: st.gid, mode: st.mode & 0o7777 }).toEqual({ ...owner, mode: 0o640 });
    expect(readFileSync(file).equals(original)).toBe(true);
    expect(readFileSync(other).equals(original)).toBe(true);
  });
});

describe('report rendering', () => {
  it('renders the summary and the trials as Markdown and as a terminal table', () => {
    const trials = [trial({}), trial({ scenario: 'port-steal', recoverFrom: 'release', level: 4, outcome: 'held | released' })];
    const report: DrillReport = {
      startedAt: 0, finishedAt: 5000, command: 'clawback drill all --trials 1', clawbackVersion: '0.1.0',
      host: { platform: 'linux', arch: 'x64', node: '20', cpus: 2 }, stateDir: '/s', configFile: null, service: 'gw', trialsPerScenario: 1,
      summaries: [summarize('crash', trials), summarize('port-steal', trials)], trials, notes: ['kept /s.old'], stoppedEarly: null, passed: true,
    };
    const md = renderMarkdown(report);
    expect(md).toContain('| crash | 1 | 1/1 (100%) | 100 ms | 100 ms | 10 ms | 0 | 1/1 |');
    expect(md).toContain('100 ms (from release)');
    expect(md).toContain('held \\| released');
    expect(md).toContain('- kept /s.old');
    expect(renderTerminal(report)).toContain('drill of gw: PASSED');
  });

  it('an interrupted trial says INTERRUPTED, as the run does, not "FAILED: interrupted: ..." nor as expected NO', () => {
    const cut = trial({ asExpected: false, recovered: false, recoverMs: null, outcome: 'interrupted: held port 1; the holder was not killed', interrupted: true });
    expect(trialLine(cut)).toBe('INTERRUPTED: held port 1; the holder was not killed');
    expect(trialLine(trial({ asExpected: false, outcome: 'not serving' }))).toBe('FAILED: not serving');
    expect(trialLine(trial({}))).toBe('ok: ok');
    const report: DrillReport = {
      startedAt: 0, finishedAt: 5000, command: 'clawback drill port-steal', clawbackVersion: '0.1.0',
      host: { platform: 'linux', arch: 'x64', node: '20', cpus: 2 }, stateDir: '/s', configFile: null, service: 'gw', trialsPerScenario: 1,
      summaries: [summarize('crash', [cut])], trials: [cut], notes: [], stoppedEarly: 'interrupted (Ctrl-C / SIGTERM / SIGHUP)', passed: false,
    };
    const text = renderTerminal(report);
    expect(text).toContain('drill of gw: INTERRUPTED');
    expect(text).toMatch(/crash +1 +INTERRUPTED /);
    expect(renderMarkdown(report)).toContain('| crash | 1 | INTERRUPTED |');
  });
});
