import { describe, expect, it } from 'vitest';
import { nextWake } from '../../src/decide/decide.js';
import { MAINTENANCE_REMINDER_MS, policyFor } from '../../src/decide/policy.js';
import { serviceSchema } from '../../src/config/schema.js';
import { testPolicy } from './policy-fixture.js';
import { ReducerDrive } from './drive.js';

const HOUR = 3_600_000;

/**
 * `clawback maintenance NAME on` without --for: the service was never supervised again and nobody was told (no wake,
 * no event, for ever). Now the reducer says it is still on every maintenanceReminderMs until it is turned off.
 */
describe('a maintenance with no end is not forgotten', () => {
  it('reminds every interval, changes nothing about the service, and stops when maintenance ends', () => {
    const d = new ReducerDrive(testPolicy({ maintenanceReminderMs: HOUR })).up(0, 10);
    d.at(1000, { type: 'maintenance', on: true, until: null, reason: 'swapping disks', by: 'cli:ann' });
    expect(nextWake(d.state, d.p)).toBe(1000 + HOUR);
    d.at(1000 + HOUR, { type: 'tick' });
    expect(d.types()).toEqual([]);
    const r = d.events('maintenance.reminder');
    expect(r).toHaveLength(1);
    expect(r[0]!.severity).toBe('warning');
    expect(r[0]!.message).toContain('still in maintenance after 1h');
    expect(r[0]!.message).toContain('cli:ann');
    expect(r[0]!.message).toContain('clawback maintenance gw off');
    expect(d.state.maintenance).not.toBeNull();
    expect(nextWake(d.state, d.p)).toBe(1000 + 2 * HOUR);
    // A tick for anything else before the next one is due says nothing.
    d.at(1000 + HOUR + 5, { type: 'tick' });
    expect(d.events('maintenance.reminder')).toHaveLength(1);
    d.at(1000 + 2 * HOUR, { type: 'tick' });
    expect(d.events('maintenance.reminder')).toHaveLength(2);
    d.at(1000 + 2 * HOUR + 10, { type: 'maintenance', on: false, by: 'cli:ann' });
    expect(nextWake(d.state, d.p)).toBeNull();
    d.at(1000 + 3 * HOUR, { type: 'tick' });
    expect(d.events('maintenance.reminder')).toHaveLength(2);
  });

  it('a maintenance with an end is not reminded of (it ends by itself)', () => {
    const d = new ReducerDrive(testPolicy({ maintenanceReminderMs: HOUR })).up(0, 10);
    d.at(1000, { type: 'maintenance', on: true, until: 1000 + 3 * HOUR, reason: '', by: 'cli:ann' });
    expect(nextWake(d.state, d.p)).toBe(1000 + 3 * HOUR);
  });

  it('is on by default for every service', () => {
    expect(MAINTENANCE_REMINDER_MS).toBeGreaterThan(0);
    const p = policyFor(serviceSchema.parse({ name: 'gw', command: ['node', 'x.js'] }), { doctor: false, agent: false });
    expect(p.maintenanceReminderMs).toBe(MAINTENANCE_REMINDER_MS);
  });
});
