import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import { maybeRecordLastKnownGood, seenHealthyWith } from '../../src/doctor/last-known-good.js';
import { lastPassOf } from '../../src/daemon/doctor-wiring.js';
import { sha256 } from '../../src/platform/config-file.js';
import { GOOD_CONFIG, makeFixture, type DoctorFixture } from './doctor-fixtures.js';

describe('seenHealthyWith (pure)', () => {
  it('content on disk before the healthy spell began was seen healthy at once: no blind window after a start', () => {
    expect(seenHealthyWith({ healthySince: 1_000, now: 1_001 }, 500, 60_000)).toBe(true);
  });
  it('content written during the spell needs a passing probe check after the write', () => {
    expect(seenHealthyWith({ healthySince: 1_000, now: 5_000, lastPassAt: 3_000 }, 4_000, 60_000)).toBe(false);
    expect(seenHealthyWith({ healthySince: 1_000, now: 5_000, lastPassAt: 4_500 }, 4_000, 60_000)).toBe(true);
  });
  it('without probes, content written during the spell waits snapshotAfter', () => {
    expect(seenHealthyWith({ healthySince: 1_000, now: 5_000 }, 4_000, 2_000)).toBe(false);
    expect(seenHealthyWith({ healthySince: 1_000, now: 6_000 }, 4_000, 2_000)).toBe(true);
  });
  it('reload "start": only content on disk when the instance started, however long it has been healthy since', () => {
    expect(seenHealthyWith({ startedAt: 1_000, healthySince: 2_000, now: 9_000, lastPassAt: 8_000 }, 900, 60_000, 'start')).toBe(true);
    expect(seenHealthyWith({ startedAt: 1_000, healthySince: 2_000, now: 9_000, lastPassAt: 8_000 }, 1_500, 60_000, 'start')).toBe(false);
    expect(seenHealthyWith({ startedAt: 1_000, healthySince: 2_000, now: 900_000, lastPassAt: 899_000 }, 4_000, 2_000, 'start')).toBe(false);
    expect(seenHealthyWith({ startedAt: 1_000, healthySince: 2_000, now: 9_000, lastPassAt: 8_000 }, 1_500, 60_000, 'live')).toBe(true);
  });
  it('lastPassOf: the oldest passing check of the restart probes; none while one is not passing', () => {
    const p = (action: string, status: string, at: number) => ({ name: 'x', kind: 'http', action, verdict: 'healthy' as const, lastResult: { status, message: '' }, lastCheckedAt: at, consecutiveFailures: 0, consecutiveSuccesses: 1, inGrace: false });
    expect(lastPassOf([p('restart', 'success', 10), p('restart', 'success', 7), p('notify', 'failure', 1)])).toBe(7);
    expect(lastPassOf([p('restart', 'success', 10), p('restart', 'failure', 12)])).toBeUndefined();
    expect(lastPassOf([p('notify', 'success', 10)])).toBeUndefined();
  });
});

describe('maybeRecordLastKnownGood', () => {
  let fx: DoctorFixture;
  beforeEach(async () => {
    fx = await makeFixture({ doctor: { snapshotAfter: 30_000 } });
    // The file was written long before the healthy spell began.
    const old = new Date(Date.now() - 3_600_000);
    await fs.utimes(fx.configPath, old, old);
  });
  afterEach(() => fx.cleanup());

  it('records on the first healthy verdict (no waiting), once per content, and emits config.snapshot', async () => {
    const now = Date.now();
    const r = await maybeRecordLastKnownGood(fx.ctx(), { healthySince: now - 10, now });
    expect(r.recorded).toBe(true);
    expect(r.entry!.kind).toBe('last-known-good');
    expect(r.entry!.sha256).toBe(sha256(GOOD_CONFIG));
    expect(r.entry!.mode).toBe(0o640);
    expect(fx.events.map((e) => e.type)).toEqual(['config.snapshot']);
    expect(fx.events[0]!.details!.sha256).toBe(sha256(GOOD_CONFIG));

    const again = await maybeRecordLastKnownGood(fx.ctx(), { healthySince: now - 60_000, now });
    expect(again).toMatchObject({ recorded: false, reason: 'unchanged' });
    expect(fx.events).toHaveLength(1);
  });

  it('does not record an invalid config, nor one changed since the last passing check', async () => {
    const now = Date.now();
    await fs.writeFile(fx.configPath, '{"port":"x"}');
    const old = new Date(now - 3_600_000);
    await fs.utimes(fx.configPath, old, old);
    const bad = await maybeRecordLastKnownGood(fx.ctx(), { healthySince: now - 60_000, now });
    expect(bad.recorded).toBe(false);
    expect(bad.reason).toMatch(/^invalid/);

    // A hot edit counts after a passing check only for a service that reloads its config live.
    fx.withService({ configFile: { ...fx.service.configFile!, reload: 'live' } });
    await fs.writeFile(fx.configPath, '{"port":1}'); // mtime = now
    const fresh = await maybeRecordLastKnownGood(fx.ctx(), { healthySince: now - 60_000, now: Date.now(), lastPassAt: now - 5_000 });
    expect(fresh.recorded).toBe(false);
    expect(await fx.snapshots.list()).toHaveLength(0);
    const seen = await maybeRecordLastKnownGood(fx.ctx(), { healthySince: now - 60_000, now: Date.now() + 2_000, lastPassAt: Date.now() + 1_000 });
    expect(seen.recorded).toBe(true);
  });

  it('a service that reads its config only at start (the default): an edit made after the instance started is never seen healthy by it', async () => {
    await fs.writeFile(fx.configPath, '{"port":2}'); // after the instance started, before its first healthy verdict
    const edit = (await fs.stat(fx.configPath)).mtimeMs;
    const win = { startedAt: edit - 1_000, healthySince: edit + 1_000, now: edit + 120_000, lastPassAt: edit + 110_000 };
    expect(await maybeRecordLastKnownGood(fx.ctx(), win)).toMatchObject({ recorded: false, reason: 'not seen healthy with this content yet' });
    expect(await fx.snapshots.list()).toHaveLength(0);
    // Restarted with it and healthy: recorded.
    expect((await maybeRecordLastKnownGood(fx.ctx(), { startedAt: edit + 200_000, healthySince: edit + 201_000, now: edit + 202_000 })).recorded).toBe(true);
  });
});
