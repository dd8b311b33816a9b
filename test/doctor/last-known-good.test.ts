import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import { maybeRecordLastKnownGood } from '../../src/doctor/last-known-good.js';
import { sha256 } from '../../src/platform/config-file.js';
import { GOOD_CONFIG, makeFixture, type DoctorFixture } from './doctor-fixtures.js';

describe('maybeRecordLastKnownGood', () => {
  let fx: DoctorFixture;
  beforeEach(async () => {
    fx = await makeFixture({ doctor: { snapshotAfter: 30_000 } });
    // The file was written long before the healthy spell began.
    const old = new Date(Date.now() - 3_600_000);
    await fs.utimes(fx.configPath, old, old);
  });
  afterEach(() => fx.cleanup());

  it('waits for snapshotAfter of health, then records once and emits config.snapshot', async () => {
    const now = Date.now();
    const early = await maybeRecordLastKnownGood(fx.ctx(), { healthySince: now - 10_000, now });
    expect(early.recorded).toBe(false);
    expect(await fx.snapshots.list()).toHaveLength(0);

    const r = await maybeRecordLastKnownGood(fx.ctx(), { healthySince: now - 31_000, now });
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

  it('does not record an invalid config, nor one changed since the healthy spell began', async () => {
    const now = Date.now();
    await fs.writeFile(fx.configPath, '{"port":"x"}');
    const old = new Date(now - 3_600_000);
    await fs.utimes(fx.configPath, old, old);
    const bad = await maybeRecordLastKnownGood(fx.ctx(), { healthySince: now - 60_000, now });
    expect(bad.recorded).toBe(false);
    expect(bad.reason).toMatch(/^invalid/);

    await fs.writeFile(fx.configPath, '{"port":1}'); // mtime = now
    const fresh = await maybeRecordLastKnownGood(fx.ctx(), { healthySince: now - 60_000, now: Date.now() });
    expect(fresh.recorded).toBe(false);
    expect(await fx.snapshots.list()).toHaveLength(0);
  });
});
