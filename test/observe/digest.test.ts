import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeDigest, percentileNearestRank, renderDigest } from '../../src/observe/digest.js';
import type { ClawbackEvent, EventType, Level } from '../../src/observe/events.js';
import { readJournal, scanJournal } from '../../src/observe/journal-read.js';

const DAY = 86_400_000;
const START = Date.parse('2024-03-01T00:00:00Z');
const NOW = Date.parse('2024-03-08T00:00:00Z');

type Outcome = 'auto' | 'human' | 'escalated-open' | 'open';
interface Spec {
  service: string;
  day: number;
  reason: string;
  outcome: Outcome;
  ttrMs?: number;
  restarts: number;
}

// 20 incidents in the week. Figures computed by hand below.
const SPECS: Spec[] = [
  { service: 'gateway', day: 0.1, reason: 'exit code 1', outcome: 'auto', ttrMs: 500, restarts: 1 },
  { service: 'gateway', day: 0.5, reason: 'exit code 1', outcome: 'auto', ttrMs: 1000, restarts: 1 },
  { service: 'worker', day: 0.8, reason: 'probe http failed', outcome: 'auto', ttrMs: 1500, restarts: 2 },
  { service: 'gateway', day: 1.2, reason: 'exit code 1', outcome: 'auto', ttrMs: 2000, restarts: 1 },
  { service: 'worker', day: 1.5, reason: 'probe http failed', outcome: 'auto', ttrMs: 2500, restarts: 2 },
  { service: 'gateway', day: 1.9, reason: 'memory limit', outcome: 'auto', ttrMs: 3000, restarts: 1 },
  { service: 'gateway', day: 2.1, reason: 'exit code 1', outcome: 'auto', ttrMs: 4000, restarts: 1 },
  { service: 'worker', day: 2.4, reason: 'probe http failed', outcome: 'auto', ttrMs: 5000, restarts: 2 },
  { service: 'gateway', day: 2.8, reason: 'exit code 1', outcome: 'auto', ttrMs: 6000, restarts: 1 },
  { service: 'worker', day: 3.0, reason: 'memory limit', outcome: 'auto', ttrMs: 8000, restarts: 1 },
  { service: 'gateway', day: 3.3, reason: 'exit code 1', outcome: 'auto', ttrMs: 10_000, restarts: 2 },
  { service: 'worker', day: 3.7, reason: 'probe http failed', outcome: 'auto', ttrMs: 12_000, restarts: 3 },
  { service: 'gateway', day: 4.0, reason: 'memory limit', outcome: 'auto', ttrMs: 15_000, restarts: 1 },
  { service: 'gateway', day: 4.4, reason: 'exit code 1', outcome: 'auto', ttrMs: 20_000, restarts: 2 },
  { service: 'worker', day: 4.9, reason: 'probe http failed', outcome: 'auto', ttrMs: 30_000, restarts: 3 },
  { service: 'gateway', day: 5.2, reason: 'config invalid', outcome: 'human', ttrMs: 600_000, restarts: 5 },
  { service: 'worker', day: 5.6, reason: 'probe http failed', outcome: 'human', ttrMs: 1_200_000, restarts: 5 },
  { service: 'gateway', day: 6.0, reason: 'exit code 1', outcome: 'escalated-open', restarts: 5 },
  { service: 'worker', day: 6.3, reason: 'memory limit', outcome: 'escalated-open', restarts: 4 },
  { service: 'gateway', day: 6.8, reason: 'config invalid', outcome: 'open', restarts: 2 },
];
// Incidents: 20. Auto-resolved: #1-#15 = 15 -> 75%. Human-resolved: 2. Escalated: #16-#19 = 4 (breaker trips: 4).
// Still open: #18, #19, #20 = 3.
// TTRs of the 17 resolved: 500+1000+1500+2000+2500+3000+4000+5000+6000+8000+10000+12000+15000+20000+30000
//   = 120500, plus 600000 + 1200000 = 1920500 ms; mean = 1920500 / 17 = 112970.59 ms -> "1m53s".
// p95 (nearest rank): ceil(0.95 * 17) = 17th smallest = 1200000 ms -> "20m0s".
// Restarts: gateway 1+1+1+1+1+1+2+1+2+5+5+2 = 23; worker 2+2+2+1+3+3+5+4 = 22.
// Reasons: exit code 1 x8, probe http failed x6, memory limit x4, config invalid x2.

function ev(type: EventType, time: number, service: string, extra: Partial<ClawbackEvent> & { level?: Level } = {}): ClawbackEvent {
  return { type, time, severity: 'info', message: `${service}: ${type}`, service, ...extra };
}

function incidentEvents(s: Spec, id: string, t: number): ClawbackEvent[] {
  const out: ClawbackEvent[] = [];
  const lvl: Level = s.reason.startsWith('probe') ? 1 : 0;
  out.push(ev('service.exited', t, s.service, { details: { code: 1, signal: null, uptimeMs: 60_000, expected: false } }));
  out.push(ev('incident.opened', t, s.service, { incidentId: id, level: lvl, details: { reason: s.reason } }));
  for (let k = 1; k <= s.restarts; k++) {
    out.push(ev('service.restart-scheduled', t + k * 100 - 50, s.service, { incidentId: id, level: lvl, details: { reason: 'exit', delayMs: 50, attempt: k } }));
    out.push(ev('service.restarting', t + k * 100, s.service, { incidentId: id, level: lvl, details: { reason: lvl === 1 ? 'probe' : 'exit', attempt: k } }));
  }
  if (s.outcome !== 'auto' && s.outcome !== 'open') {
    out.push(ev('incident.level', t + 2000, s.service, { incidentId: id, level: 2 }));
    out.push(ev('incident.action', t + 2100, s.service, { incidentId: id, details: { action: 'restore last-known-good config' } }));
    out.push(ev('incident.level', t + 5000, s.service, { incidentId: id, level: 3 }));
    out.push(ev('agent.started', t + 5100, s.service, { incidentId: id, details: { adapter: 'claude-code' } }));
    out.push(ev('agent.finished', t + 60_000, s.service, { incidentId: id, details: { adapter: 'claude-code', outcome: 'failed' } }));
    out.push(ev('breaker.tripped', t + 61_000, s.service));
    out.push(ev('incident.escalated', t + 61_000, s.service, { incidentId: id, level: 4, severity: 'critical', details: { reason: 'agent failed' } }));
  }
  if (s.outcome === 'human') out.push(ev('breaker.resumed', t + s.ttrMs! - 1000, s.service));
  if (s.ttrMs !== undefined) {
    const outcome = s.outcome === 'human' ? 'human-resolved' : 'auto-resolved';
    const highestLevel = s.outcome === 'human' ? 4 : lvl;
    out.push(ev('incident.resolved', t + s.ttrMs, s.service, { incidentId: id, severity: 'resolved', details: { ttrMs: s.ttrMs, highestLevel, outcome } }));
  }
  return out;
}

let dir: string;
let journal: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'clawback-digest-'));
  journal = path.join(dir, 'journal.jsonl');
  const events: ClawbackEvent[] = [ev('daemon.started', START - 9 * DAY, 'clawback')];
  // Before the period: must not count (neither incident nor its 5 restarts).
  events.push(...incidentEvents({ service: 'gateway', day: -1, reason: 'old reason', outcome: 'auto', ttrMs: 700, restarts: 5 }, 'old', START - DAY));
  SPECS.forEach((s, i) => events.push(...incidentEvents(s, `inc-${i + 1}`, START + s.day * DAY)));
  // After `now`: must not count either.
  events.push(...incidentEvents({ service: 'worker', day: 7.5, reason: 'future', outcome: 'auto', ttrMs: 900, restarts: 3 }, 'future', NOW + DAY / 2));
  const lines = events.map((e) => JSON.stringify(e));
  lines.splice(40, 0, '{"type":"service.restarting","time":'); // a torn line in the middle
  await writeFile(journal, lines.join('\n') + '\n');
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('digest on a recorded week', () => {
  it('computes exact figures', async () => {
    const scan = await scanJournal(journal);
    expect(scan.corruptLines).toBe(1);
    const s = computeDigest(scan.events, { days: 7, now: NOW });
    expect(s.periodStart).toBe(START);
    expect(s.incidents).toBe(20);
    expect(s.autoResolved).toBe(15);
    expect(s.autoResolvedShare).toBe(0.75);
    expect(s.humanResolved).toBe(2);
    expect(s.coolDownRecovered).toBe(0);
    expect(s.escalations).toBe(4);
    expect(s.stillOpen).toBe(3);
    expect(s.breakerTrips).toBe(4);
    expect(s.meanTtrMs).toBeCloseTo(1_920_500 / 17, 6);
    expect(s.p95TtrMs).toBe(1_200_000);
    expect(s.restartsByService).toEqual([
      { service: 'gateway', restarts: 23 },
      { service: 'worker', restarts: 22 },
    ]);
    expect(s.topReasons).toEqual([
      { reason: 'exit code 1', incidents: 8 },
      { reason: 'probe http failed', incidents: 6 },
      { reason: 'memory limit', incidents: 4 },
      { reason: 'config invalid', incidents: 2 },
    ]);
  });

  it('renders them as Markdown', async () => {
    const md = renderDigest(await readJournal(journal), { days: 7, now: NOW });
    const lines = md.split('\n');
    for (const expected of [
      '# Clawback digest: last 7 days',
      'Period: 2024-03-01 00:00 UTC to 2024-03-08 00:00 UTC',
      '| Incidents | 20 |',
      '| Auto-resolved | 15 (75%) |',
      '| Resolved by a human | 2 |',
      '| Recovered after the cool-down, nobody acted | 0 |',
      '| Escalations to a human | 4 |',
      '| Still open | 3 |',
      '| Mean time to recover | 1m53s |',
      '| p95 time to recover | 20m00s |',
      '| Breaker trips | 4 |',
      '| gateway | 23 |',
      '| worker | 22 |',
      '1. exit code 1: 8',
      '2. probe http failed: 6',
      '3. memory limit: 4',
      '4. config invalid: 2',
    ]) {
      expect(lines).toContain(expected);
    }
    expect(md).not.toContain('old reason');
    expect(md).not.toContain('future');
  });

  it('says so when the period was quiet', () => {
    const md = renderDigest([], { days: 1, now: NOW });
    expect(md.split('\n')).toEqual(expect.arrayContaining(['# Clawback digest: last 1 day', '| Incidents | 0 |', '| Auto-resolved | 0 |', '| Mean time to recover | n/a |', 'No restarts.', 'No incidents.']));
  });

  it('uses the nearest-rank percentile', () => {
    expect(percentileNearestRank([5, 1, 3, 2, 4], 95)).toBe(5);
    expect(percentileNearestRank(Array.from({ length: 100 }, (_, i) => i + 1), 95)).toBe(95);
    expect(percentileNearestRank([7], 50)).toBe(7);
  });
});
