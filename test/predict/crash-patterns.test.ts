import { describe, expect, it } from 'vitest';
import type { ClawbackEvent } from '../../src/observe/events.js';
import { classifyExit, crashPatternOptionsFromConfig, findCrashPatterns, normaliseLogLine, ordinal } from '../../src/predict/crash-patterns.js';
import { predictionSchema } from '../../src/predict/predict-schema.js';

const H = 3_600_000;
const MIN = 60_000;
const NOW = Date.UTC(2025, 5, 10, 12, 0, 0);
const GiB = 1024 ** 3;
const options = crashPatternOptionsFromConfig(predictionSchema.parse({}).crashPatterns);

function exited(time: number, details: Record<string, unknown>, service = 'gateway'): ClawbackEvent {
  return { type: 'service.exited', time, severity: 'warning', message: `${service} exited`, service, details: { expected: false, ...details } };
}
function ev(type: ClawbackEvent['type'], time: number, details: Record<string, unknown> = {}, service = 'gateway'): ClawbackEvent {
  return { type, time, severity: 'info', message: type, service, details };
}

/** One instance: started, (memory warning 3 min before the end), killed after uptimeMs. */
function oomCycle(exitAt: number, uptimeMs: number, rss: number): ClawbackEvent[] {
  return [
    ev('service.started', exitAt - uptimeMs),
    ev('memory.warning', exitAt - 3 * MIN, { rssBytes: rss, warnBytes: 1.5 * GiB }),
    exited(exitAt, { code: null, signal: 'SIGKILL', uptimeMs }),
  ];
}

describe('crash patterns', () => {
  it('4 SIGKILL exits after ~6 h uptime with high RSS: one OOM-like finding with a sentence', () => {
    const events = [
      ...oomCycle(NOW - 23.5 * H, 6 * H, 1.7 * GiB),
      ...oomCycle(NOW - 17.4 * H, 5.9 * H, 1.8 * GiB),
      ...oomCycle(NOW - 11.3 * H, 6.1 * H, 1.75 * GiB),
      ...oomCycle(NOW - 5.2 * H, 6.05 * H, 1.8 * GiB),
      // Noise: another service, and an expected stop, neither counts.
      exited(NOW - 10 * H, { code: 1, signal: null, uptimeMs: 1000 }, 'worker'),
      exited(NOW - 2 * H, { code: 0, signal: null, uptimeMs: 3 * H, expected: true }),
    ];
    const findings = findCrashPatterns(events, NOW, options);
    expect(findings).toHaveLength(1);
    const f = findings[0]!;
    expect(f).toMatchObject({ service: 'gateway', exitClass: 'oom-like', signature: 'oom-like', count: 4, timeOfDay: null });
    expect(f.uptime!.similar).toBe(true);
    expect(f.uptime!.cv).toBeLessThan(0.05);
    expect(f.sentence).toBe('4th OOM-like exit in 24 h, always after ~6 h uptime (RSS up to 1.8 GiB)');
    expect(f.hint).toMatch(/proactiveRestart/);
    expect(f.exits.map((x) => x.rssBytes)).toEqual([1.7 * GiB, 1.8 * GiB, 1.75 * GiB, 1.8 * GiB]);
  });

  it('random unrelated exits produce nothing', () => {
    const events = [
      exited(NOW - 50 * H, { code: 1, signal: null, uptimeMs: 20 * MIN, lastLogLine: 'TypeError: x is undefined' }),
      exited(NOW - 40 * H, { code: 1, signal: null, uptimeMs: 3 * H, lastLogLine: 'Error: connect ECONNREFUSED 127.0.0.1:5432' }),
      exited(NOW - 30 * H, { code: 2, signal: null, uptimeMs: 5 * MIN }),
      exited(NOW - 20 * H, { code: null, signal: 'SIGSEGV', uptimeMs: 9 * H }),
      exited(NOW - 12 * H, { code: null, signal: 'SIGKILL', uptimeMs: 40 * MIN }),
      exited(NOW - 6 * H, { code: 78, signal: null, uptimeMs: 100 }),
      exited(NOW - 1 * H, { code: null, signal: 'SIGTERM', uptimeMs: 2 * H }),
    ];
    expect(findCrashPatterns(events, NOW, options)).toEqual([]);
  });

  it('the same code and last log line (timestamps, numbers aside) at the same local hour: time-of-day, no uptime claim', () => {
    const tz = 120; // local = UTC + 2 h
    const localAt = (daysAgo: number, h: number, m: number): number => Date.UTC(2025, 5, 10 - daysAgo, h, m) - tz * MIN;
    const line = (ts: string, port: number): string => `${ts} FATAL db pool exhausted after ${port} retries`;
    const events = [
      exited(localAt(3, 2, 10), { code: 1, signal: null, uptimeMs: 30 * MIN, lastLogLine: line('2025-06-07T02:10:00Z', 5) }),
      exited(localAt(2, 2, 40), { code: 1, signal: null, uptimeMs: 20 * H, lastLogLine: line('2025-06-08T02:40:00Z', 7) }),
      exited(localAt(1, 3, 5), { code: 1, signal: null, uptimeMs: 4 * H, lastLogLine: line('2025-06-09T03:05:00Z', 5) }),
    ];
    const [f, ...rest] = findCrashPatterns(events, NOW, { ...options, tzOffsetMinutes: tz });
    expect(rest).toEqual([]);
    expect(f!.logPattern).toBe('FATAL db pool exhausted after # retries');
    expect(f!.uptime!.similar).toBe(false);
    expect(f!.timeOfDay).toMatchObject({ from: '02:10', to: '03:05', share: 1 });
    expect(f!.sentence).toBe('3rd exit with code 1 in 4 d, always between 02:10 and 03:05 local time; last words: "FATAL db pool exhausted after # retries"');
  });

  it('a probe failure right before the exit names the pattern; older exits fall out of the lookback', () => {
    const events: ClawbackEvent[] = [];
    for (const hoursAgo of [200, 30, 20, 10]) {
      events.push(ev('probe.failed', NOW - hoursAgo * H - 20_000, { finding: 'http-status', probe: 'http' }));
      events.push(exited(NOW - hoursAgo * H, { code: 3, signal: null, uptimeMs: 2 * H }));
    }
    const findings = findCrashPatterns(events, NOW, options);
    expect(findings).toHaveLength(1);
    expect(findings[0]!.count).toBe(3);
    expect(findings[0]!.logPattern).toBe('http-status: probe.failed');
    expect(findings[0]!.sentence).toMatch(/^3rd exit with code 3 in 30 h, always after ~2 h uptime/);
    // With a lookback of a day only two remain: below minOccurrences.
    expect(findCrashPatterns(events, NOW, { ...options, lookbackMs: 24 * H })).toEqual([]);
  });

  it('classifies exits, normalises lines and counts in English', () => {
    expect(classifyExit(null, 'SIGKILL', true)).toBe('oom-like');
    expect(classifyExit(null, 'SIGKILL', false)).toBe('killed');
    expect(classifyExit(137, null, true)).toBe('oom-like');
    expect(classifyExit(139, null, false)).toBe('native-crash');
    expect(classifyExit(134, null, false)).toBe('abort');
    expect(classifyExit(78, null, false)).toBe('config');
    expect(classifyExit(1, null, false)).toBe('exit-code');
    expect(classifyExit(null, null, false)).toBe('unknown');
    expect(normaliseLogLine('{"time":"2025-01-01T00:00:00Z","level":"error","msg":"request 0xdeadbeef failed after 120ms"}')).toBe('request <hex> failed after #ms');
    expect([1, 2, 3, 4, 11, 12, 13, 21, 22, 101].map(ordinal)).toEqual(['1st', '2nd', '3rd', '4th', '11th', '12th', '13th', '21st', '22nd', '101st']);
  });

  it('a SIGKILL counts as OOM-like from the RSS in the exit details or over highRssBytes', () => {
    const events = [1, 2, 3].map((i) => exited(NOW - i * H, { code: null, signal: 'SIGKILL', uptimeMs: 50 * MIN, rssBytes: 950, limitBytes: 1000 }));
    expect(findCrashPatterns(events, NOW, options)[0]!.exitClass).toBe('oom-like');
    const bare = [1, 2, 3].map((i) => exited(NOW - i * H, { code: null, signal: 'SIGKILL', uptimeMs: 50 * MIN, rssBytes: 2 * GiB }));
    expect(findCrashPatterns(bare, NOW, options)[0]!.exitClass).toBe('killed');
    expect(findCrashPatterns(bare, NOW, { ...options, highRssBytes: GiB })[0]!.sentence).toBe(
      '3rd OOM-like exit in 3 h, always after ~50 min uptime (RSS up to 2.0 GiB)',
    );
  });

  it('counts the exit that opened the incident (journaled just after incident.opened): consecutive incidents never repeat a count', () => {
    // The order a real daemon journals: incident.opened at t, its service.exited at t + 1 ms, more exits within the incident.
    const events: ClawbackEvent[] = [];
    const counts: number[] = [];
    let t = NOW - 10 * MIN;
    for (let i = 1; i <= 4; i++) {
      const id = `inc-${i}`;
      events.push({ type: 'incident.opened', time: t, severity: 'warning', message: 'opened', service: 'gateway', incidentId: id });
      for (let k = 0; k < 3; k++) events.push({ ...exited(t + 1 + k * 1000, { code: 1, uptimeMs: 900 }), incidentId: id, message: `gateway exited (${i}.${k})` });
      // Asked at incident.opened: `now` is the opening time; the exit 1 ms later is part of this incident.
      const visible = events.filter((e) => e.time <= t + 1);
      // The same exit delivered twice (journal and bus) counts once.
      visible.push(visible[visible.length - 1]!);
      const found = findCrashPatterns(visible, t, { ...options, incidentId: id });
      counts.push(found[0]?.count ?? 0);
      t += 20_000;
    }
    // 1 exit (below minOccurrences), then 4, 7, 10: each incident adds its three exits and none is counted twice.
    expect(counts).toEqual([0, 4, 7, 10]);
  });
});
