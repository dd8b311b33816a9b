// A full disk under the alert spool (real tmpfs, real loopback endpoint that is down): the daemon said it only as one
// warning line in its log while `status` said health "ok"; the alerts were held in memory only. Now the daemon is
// degraded (reason alert-spool, a daemon.degraded event) until a spool write succeeds again (daemon.recovered).
import { describe, expect, it } from 'vitest';
import { createNotifier } from '../../src/notify/dispatcher.js';
import { systemClock } from '../../src/platform/clock.js';
import { Redactor } from '../../src/observe/redact.js';
import { DaemonFaults } from '../../src/daemon/daemon-faults.js';
import type { ClawbackEvent } from '../../src/observe/events.js';
import { config, event, receiverOnSmallDisk } from '../notify/helpers.js';
import { waitFor } from '../helpers/processes.js';

describe('alert spool fault', () => {
  const bed = receiverOnSmallDisk();

  it('a failed spool write degrades the daemon (said once), and a later write recovers it', async () => {
    const clock = systemClock();
    const events: ClawbackEvent[] = [];
    const faults = new DaemonFaults({ clock, emit: (e) => events.push(e), log: () => undefined, stateDir: bed.disk.dir });
    // Wired as src/daemon/observe-wiring.ts wires the daemon's notifier.
    const n = createNotifier(config([{ type: 'webhook', url: `${bed.receiver.base}/webhook/a` }]), {
      stateDir: bed.disk.dir,
      clock,
      redactor: new Redactor(),
      onSpoolFault: (err) => faults.failed('alert-spool', err),
      onSpoolWritten: () => faults.ok('alert-spool'),
    });
    bed.notifiers.push(n);
    await bed.receiver.down();
    bed.disk.fill();
    for (let i = 0; i < 3; i++) n.publish(event({ incidentId: `inc-${i}`, message: `queued on a full disk ${i}` }));
    // Before the fix: health "ok", degraded [] (a log line was all).
    const st = faults.status();
    expect(st.health).toBe('degraded');
    expect(st.degraded.map((d) => d.reason)).toEqual(['alert-spool']);
    expect(st.degraded[0]!.lastError).toMatch(/ENOSPC/);
    expect(st.degraded[0]!.count).toBeGreaterThanOrEqual(3);
    expect(events.filter((e) => e.type === 'daemon.degraded')).toHaveLength(1);
    bed.disk.free();
    // No new alert: the delivery retries write the held alerts, and that clears the reason.
    await waitFor(() => !faults.isDegraded('alert-spool'), { timeoutMs: 10_000, message: 'the alert-spool reason cleared' });
    expect(events.filter((e) => e.type === 'daemon.recovered').map((e) => e.details?.reason)).toEqual(['alert-spool']);
  }, 30_000);
});
