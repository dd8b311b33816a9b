// A restart the service asks for (OpenClaw under OPENCLAW_SUPERVISOR_MODE=external exits 0 to be started again) is no
// crash: the reducer restarts it at once, with no incident, and such restarts never trip the crash-loop breaker.
import { describe, expect, it } from 'vitest';
import { openclawService } from '../../src/presets/openclaw.js';
import { testPolicy } from './policy-fixture.js';
import { ReducerDrive } from './drive.js';

// The gateway's own last lines before it exits 0 after SIGUSR2 (openclaw 2026.9.6, `gateway run`, measured here).
const GATEWAY_TAIL = [
  '2026-12-03T20:35:09.224+00:00 [admission] closed: restart (SIGUSR2)',
  '2026-12-03T20:35:09.226+00:00 [gateway] received SIGUSR2; restarting',
  '2026-12-03T20:35:09.228+00:00 [gateway] shutdown budget at shutdown: drain=315000ms shutdown=325000ms reserve=10000ms exitMargin=5000ms; source=Gateway stop policy=330000ms',
  '2026-12-03T20:35:09.290+00:00 [gmail-watcher] gmail watcher stopped',
  '2026-12-03T20:35:09.412+00:00 [shutdown] completed cleanly in 174ms',
  '2026-12-03T20:35:09.581+00:00 [gateway] restart mode: full process restart (supervisor restart)',
];

const presetPattern = (): string => (openclawService().restart as { selfRestartPattern: string }).selfRestartPattern;
const policy = () => testPolicy({ selfRestartPattern: presetPattern(), intensity: { maxRestarts: 3, window: 600_000 } });

/** Runs an instance (pid) from t until healthy, then lets it exit with code and lastLines. */
function cycle(d: ReducerDrive, t: number, pid: number, code: number, lastLines: string[], healthy = true): void {
  d.at(t, { type: 'started', instance: { pid, pidStartTime: 1, startedAt: t }, reason: 'exit' });
  if (healthy) d.at(t + 15_000, { type: 'healthy', pid });
  d.at(t + 30_000, { type: 'exited', pid, code, signal: null, at: t + 30_000, statusKnown: true, lastLines });
}

describe('a restart the service asked for', () => {
  it("the preset's pattern matches the real gateway's last line", () => {
    expect(GATEWAY_TAIL.some((l) => new RegExp(presetPattern()).test(l))).toBe(true);
  });

  it('six gateway-requested restarts within the window: each restarted at once, no incident, no breaker', () => {
    const d = new ReducerDrive(policy());
    d.at(0, { type: 'boot', adopted: null });
    for (let i = 0; i < 6; i++) {
      cycle(d, i * 40_000, 100 + i, 0, GATEWAY_TAIL);
      expect(d.types()).toEqual(['start']);
    }
    expect(d.state.incident).toBeNull();
    expect(d.state.held).toBeNull();
    expect(d.state.restartHistory).toEqual([]);
    expect(d.state.backoffAttempt).toBe(0);
    expect(d.events('incident.opened')).toHaveLength(0);
    expect(d.events('breaker.tripped')).toHaveLength(0);
    const exits = d.events('service.exited');
    expect(exits).toHaveLength(6);
    expect(exits.every((e) => e.severity === 'info' && (e.details as { expected: boolean }).expected)).toBe(true);
  });

  it('an adopted gateway (its code unreadable: no daemon reaped it) that exits with the words is restarted at once, no incident', () => {
    // Seen with the real 2026.9.6 gateway: the daemon restarted (SIGUSR2, leaving the gateway running), the next daemon
    // adopted it, then a SIGUSR2 to the gateway: 'exited with unknown status (adopted)', an L0 incident, a counted restart.
    const d = new ReducerDrive(policy());
    d.at(0, { type: 'boot', adopted: { pid: 100, pidStartTime: 1, startedAt: 0 } });
    d.at(1_000, { type: 'healthy', pid: 100 });
    d.at(60_000, { type: 'exited', pid: 100, code: null, signal: null, at: 60_000, statusKnown: false, lastLines: GATEWAY_TAIL });
    expect(d.types()).toEqual(['start']);
    expect(d.state.incident).toBeNull();
    expect(d.state.restartHistory).toEqual([]);
    expect(d.events('incident.opened')).toHaveLength(0);
    const exit = d.events('service.exited')[0]!;
    expect(exit.severity).toBe('info');
    expect(exit.message).toMatch(/unknown status \(adopted\).*it asked for it/);
    // Without the words, an adopted instance's unseen end is still a crash, as before.
    const other = new ReducerDrive(policy());
    other.at(0, { type: 'boot', adopted: { pid: 100, pidStartTime: 1, startedAt: 0 } });
    other.at(1_000, { type: 'healthy', pid: 100 });
    other.at(60_000, { type: 'exited', pid: 100, code: null, signal: null, at: 60_000, statusKnown: false, lastLines: GATEWAY_TAIL.slice(0, -1) });
    expect(other.state.incident).not.toBeNull();
  });

  it('the same exit from an instance never healthy is a failure (a start that asks for a restart forever stays bounded)', () => {
    const d = new ReducerDrive(policy());
    d.at(0, { type: 'boot', adopted: null });
    cycle(d, 0, 100, 0, GATEWAY_TAIL, false);
    expect(d.state.incident).not.toBeNull();
    expect(d.state.restartHistory).toHaveLength(1);
  });

  it('an exit 0 without the words, or with them but another code, is a failure as before', () => {
    for (const [code, lines] of [
      [0, GATEWAY_TAIL.slice(0, -1)],
      [1, GATEWAY_TAIL],
    ] as const) {
      const d = new ReducerDrive(policy());
      d.at(0, { type: 'boot', adopted: null });
      cycle(d, 0, 100, code, [...lines]);
      expect(d.state.incident).not.toBeNull();
      expect(d.events('service.exited')[0]?.severity).toBe('warning');
    }
  });

  it('words far up the tail (an earlier instance in the shared log) do not count', () => {
    const d = new ReducerDrive(policy());
    d.at(0, { type: 'boot', adopted: null });
    cycle(d, 0, 100, 0, [...GATEWAY_TAIL, 'a', 'b', 'c', 'd', 'e', 'f']);
    expect(d.state.incident).not.toBeNull();
  });

  it('a service in maintenance stays down after the exit', () => {
    const d = new ReducerDrive(policy());
    d.at(0, { type: 'boot', adopted: null });
    d.at(0, { type: 'started', instance: { pid: 100, pidStartTime: 1, startedAt: 0 }, reason: 'boot' });
    d.at(1000, { type: 'healthy', pid: 100 });
    d.at(2000, { type: 'maintenance', on: true, until: 100_000, reason: 'editing', by: 'cli:ann' });
    expect(d.state.maintenance).not.toBeNull();
    d.at(3000, { type: 'exited', pid: 100, code: 0, signal: null, at: 3000, statusKnown: true, lastLines: GATEWAY_TAIL });
    expect(d.types()).toEqual([]);
    expect(d.state.instance).toBeNull();
  });
});
