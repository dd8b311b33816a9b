// A container's restart is its boot: a job kept down by its policy runs again there, as at a machine's boot. Inside a
// fresh PID namespace (what a container restart gives) the last boot is its PID 1's start, not the host's uptime.
import { spawnSync } from 'node:child_process';
import { uptime } from 'node:os';
import { describe, expect, it } from 'vitest';
import { lastBootAt } from '../../src/platform/boot-time.js';
import { systemClock } from '../../src/platform/clock.js';

const DIST = new URL('../../dist/platform/boot-time.js', import.meta.url).href;
const CLOCK = new URL('../../dist/platform/clock.js', import.meta.url).href;

describe('lastBootAt', () => {
  it('is the host boot (or this namespace PID 1 start) outside; never later than now', () => {
    const now = Date.now();
    const at = lastBootAt(systemClock())!;
    expect(at).toBeLessThanOrEqual(now + 1000);
    expect(at).toBeGreaterThanOrEqual(now - uptime() * 1000 - 2000);
  });

  it('a clock of another scale (a test clock with a boot clock) keeps its own reading', () => {
    expect(lastBootAt({ now: () => 5_000, sinceBoot: () => 1_000 })).toBe(4_000);
    expect(lastBootAt({ now: () => 5_000 })).toBeUndefined();
  });

  it.runIf(process.platform === 'linux' && process.getuid?.() === 0)('in a new PID namespace (a restarted container) it is that namespace PID 1 start, not the host boot', () => {
    const began = Date.now();
    const script = `const { lastBootAt } = await import(${JSON.stringify(DIST)}); const { systemClock } = await import(${JSON.stringify(CLOCK)}); process.stdout.write(String(lastBootAt(systemClock())));`;
    const r = spawnSync('unshare', ['--pid', '--fork', '--mount-proc', process.execPath, '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000 });
    expect(r.status, r.stderr).toBe(0);
    const at = Number(r.stdout);
    expect(at).toBeGreaterThanOrEqual(began - 1500);
    expect(at).toBeLessThanOrEqual(Date.now() + 1000);
    // The host booted well before (this machine has been up longer than the test).
    expect(began - uptime() * 1000).toBeLessThan(began - 60_000);
  });
});
