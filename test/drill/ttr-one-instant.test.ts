// A scenario's time-to-recover is one quantity: config-corrupt trials timed from the fault (the doctor restored) and one
// timed from a human's release (no last-known-good yet, escalated) are not mixed into one median; the report says which.
import { describe, expect, it } from 'vitest';
import { summarize, type DrillReport, type TrialResult } from '../../src/drill/drill-result.js';
import { renderMarkdown } from '../../src/drill/drill-report.js';

function trial(over: Partial<TrialResult>): TrialResult {
  return {
    scenario: 'config-corrupt', trial: 1, skipped: null, asExpected: true, recovered: true, detectMs: 10, recoverMs: 100, recoverFrom: 'fault',
    level: 2, alerts: 2, notificationsDelivered: null, outcome: 'ok', notes: [], faultAt: 0, interrupted: false, ...over,
  };
}

describe('config-corrupt time-to-recover', () => {
  // Trial 1 ran before the first last-known-good snapshot (escalated, timed from the release); 2 and 3 the doctor fixed.
  const trials = [trial({ recoverMs: 40, recoverFrom: 'release', level: 4 }), trial({ trial: 2, recoverMs: 3000 }), trial({ trial: 3, recoverMs: 5000 })];

  it('measures the median and p95 from one instant and counts the others apart', () => {
    const s = summarize('config-corrupt', trials);
    expect(s).toMatchObject({ recovered: 3, medianRecoverMs: 4000, p95RecoverMs: 5000, recoverFrom: 'fault', recoverOtherFrom: 1 });
  });

  it('the report names what was left out', () => {
    const report: DrillReport = {
      startedAt: 0, finishedAt: 1, command: 'clawback drill config-corrupt', clawbackVersion: '0', host: { platform: 'linux', arch: 'x64', node: 'v20', cpus: 2 },
      stateDir: '/s', configFile: null, service: 'gw', trialsPerScenario: 3, summaries: [summarize('config-corrupt', trials)], trials, notes: [], stoppedEarly: null, passed: true,
    };
    expect(renderMarkdown(report)).toContain('1 timed from another instant not counted');
  });

  it('a scenario timed from the release alone says so in its median', () => {
    const s = summarize('config-corrupt', [trials[0]!]);
    expect(s).toMatchObject({ medianRecoverMs: 40, recoverFrom: 'release', recoverOtherFrom: 0 });
  });
});
