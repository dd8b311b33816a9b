// A person's restart of a service whose drainGrace is longer than its stop grace + 15 s: the daemon stopped waiting
// after the stop grace + 15 s and answered "restart web: stopping" (a failure: HTTP 409, exit 1), and the restart then
// went through. Real daemon, a real service that drains for 18 s: the answer waits for the drain and says it ran.
import { afterEach, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { NODE, startTestDaemon, tempDir, type TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';

let td: TestDaemon | undefined;
afterEach(async () => {
  await td?.stop();
  td = undefined;
});

// Says it is ready (a file named by its pid) once its SIGTERM handler is in place.
const slowDrain = "process.on('SIGTERM', () => setTimeout(() => process.exit(0), 18000)); setInterval(() => {}, 3600000); require('fs').writeFileSync(require('path').join(process.env.READY_DIR, String(process.pid)), '');";

describe("a person's restart that drains longer than the stop grace + 15 s", () => {
  it('is answered once the drain is over, as the restart it was', async () => {
    const ready = tempDir('drain-ready-');
    td = await startTestDaemon({ services: [{ name: 'web', command: [NODE, '-e', slowDrain], env: { READY_DIR: ready }, stop: { grace: '500ms', drainGrace: '60s' } }] });
    const rt = td.daemon.runtimes.get('web')!;
    await waitFor(() => rt.status().state === 'running' && fs.existsSync(path.join(ready, String(rt.status().pid))), { timeoutMs: 20_000, message: 'web running, its SIGTERM handler in place' });
    const pidBefore = rt.status().pid;
    const asked = Date.now();
    const answer = await rt.restart('human');
    expect(answer.ok).toBe(true);
    expect(answer.message).toMatch(/^restart web: running \(pid \d+\)$/);
    expect(rt.status().pid).not.toBe(pidBefore);
    expect(rt.status().restarts).toBe(1);
    // It did drain (the old instance took its 18 s), and the answer came after it, not at the stop grace + 15 s.
    expect(Date.now() - asked).toBeGreaterThan(17_000);
  }, 90_000);
});
