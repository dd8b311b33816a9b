// Durations in the reducer's words read one way ("3m0s", "1.5s"), never raw milliseconds beside a human form.
import { describe, expect, it } from 'vitest';
import { dedupKey } from '../../src/notify/dedup.js';
import { testPolicy } from './policy-fixture.js';
import { ReducerDrive } from './drive.js';

describe('durations in messages', () => {
  it('the crash-loop breaker, the backoff and the exit speak one human format', () => {
    const d = new ReducerDrive(testPolicy({ intensity: { maxRestarts: 2, window: 180_000 }, backoff: { initial: 1500, max: 15_000, multiplier: 2, jitter: 0 } })).up(0, 10);
    let t = 0;
    for (let pid = 10; d.state.held === null; pid++) {
      t += 4201;
      d.at(t, { type: 'exited', pid, code: 1, signal: null, at: t, statusKnown: true });
      if (d.state.held) break;
      d.at(t + 2000, { type: 'tick' });
      d.at(t + 2000, { type: 'started', instance: { pid: pid + 1, pidStartTime: 1, startedAt: t + 2000 }, reason: 'exit' });
      t += 2000;
    }
    const texts = d.effects.flatMap((e) => (e.type === 'emit' ? [e.event.message] : []));
    expect(d.state.held?.detail).toMatch(/^2 restarts within 3m0s \(limit 2\), then it failed again/);
    expect(texts.filter((m) => /\d ms\b/.test(m))).toEqual([]);
    expect(texts).toContainEqual(expect.stringMatching(/restarting gw in 1\.5s \(attempt 2\)/));
    expect(texts).toContainEqual(expect.stringMatching(/exited with exit code 1 after 4\.2s/));
  });

  it('two exits that differ only in uptime are one alert (dedup strips the human form)', () => {
    const exited = (uptimeMs: number, text: string) => ({ type: 'service.exited' as const, service: 'gw', incidentId: 'i', message: `gw exited with exit code 1 after ${text}`, details: { code: 1, uptimeMs } });
    expect(dedupKey(exited(4201, '4.2s'))).toBe(dedupKey(exited(3740, '3.7s')));
    expect(dedupKey(exited(4201, '4201 ms'))).toBe(dedupKey(exited(3740, '3.7s')));
  });
});
