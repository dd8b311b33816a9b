// An update of a service its reducer holds (crash-loop breaker open, waiting for `clawback resume`) is refused unless
// the person says --force: the update's start lifted the hold and a rollback restarted the version that crash-looped,
// with no person having resumed it. The reducer's state decides; --force is the person's explicit start.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/processes.js';
import { startUpdateHarness, type UpdateHarness } from './update-harness.js';

describe('clawback update of a held service (real daemon, fake package crash-looping until the breaker trips)', () => {
  let h: UpdateHarness;

  beforeAll(async () => {
    h = await startUpdateHarness({
      packages: [
        ['1.0.0', 'crash'],
        ['1.1.0', 'good'],
      ],
      service: { restart: { backoff: { initial: '100ms', max: '200ms' }, intensity: { maxRestarts: 3, window: '1m' } } },
      // Room for the new version's first readiness on a loaded machine (a CI run rolled back at the harness's 8 s): this
      // file is about the hold, not the watch's timing.
      update: { watch: '30s' },
      waitReady: false,
    });
    // The breaker trips, the doctor finds nothing to mend: held, waiting for a person (no repair at work any more).
    await waitFor(
      () => {
        const st = h.td.daemon.runtimes.get('gw')!.status();
        return (st.held && !st.work) || undefined;
      },
      { timeoutMs: 60_000, intervalMs: 100 },
    );
  }, 240_000);

  afterAll(async () => {
    await h?.stop();
  });

  it('is refused with a message naming `clawback resume` and --force; nothing is installed or touched', async () => {
    const exitsBefore = h.td.events.filter((e) => e.type === 'service.exited').length;
    const r = await h.update('1.1.0');
    expect(r.status).toBe(409);
    expect(String(r.body.message)).toMatch(/gw is held \(crash-loop: .*clawback resume gw.*--force/);
    const st = h.td.daemon.runtimes.get('gw')!.status();
    expect(st.held?.reason).toBe('crash-loop');
    expect(st.state).toBe('held');
    expect(await h.current()).toBe('1.0.0');
    expect(h.td.events.some((e) => e.type === 'update.started')).toBe(false);
    // The dry run shows the same blocker.
    const dry = await h.update('1.1.0', '&dryRun=1');
    expect(dry.status).toBe(409);
    expect(String(dry.body.message)).toMatch(/blocked: gw is held \(crash-loop/);
    expect(h.td.events.filter((e) => e.type === 'service.exited').length).toBe(exitsBefore);
  }, 60_000);

  it('--force updates it: the new version starts through the reducer, which lifts the hold', async () => {
    const r = await h.update('1.1.0', '&force=1');
    expect(r.status).toBe(202);
    const view = await h.finished(r.body.runId);
    expect(view.report?.outcome, JSON.stringify(view.report)).toBe('succeeded');
    expect(await h.current()).toBe('1.1.0');
    expect(await h.version()).toBe('1.1.0');
    const st = h.td.daemon.runtimes.get('gw')!.status();
    expect(st.held).toBeNull();
    expect(st.state).toBe('running');
  }, 120_000);
});
