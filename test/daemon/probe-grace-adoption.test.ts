// A probe's startupGrace belongs to the instance, as Kubernetes measures initialDelaySeconds from the container's start:
// a daemon that adopted a running instance (SIGUSR2, a daemon restarted by the OS manager) gave its probes their whole
// grace again from its own boot (120-180 s with the OpenClaw preset), so an instance down long before went unjudged that
// long after every daemon restart. Now the grace runs from the instance's start; a fresh instance keeps its whole grace.
import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { FIXTURES, NODE, startTestDaemon, tempDir } from '../helpers/daemon.js';
import { freePort } from '../helpers/ports.js';
import { waitFor } from '../helpers/processes.js';

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanup.length) await Promise.resolve(cleanup.pop()!()).catch(() => undefined);
});

describe("a probe's startupGrace across a daemon restart", () => {
  it('runs from the adopted instance start: one started long ago is judged by its thresholds at once', async () => {
    const port = await freePort();
    const flag = path.join(tempDir(), 'no-listen');
    writeFileSync(flag, '');
    const config = {
      services: [
        {
          name: 'down',
          command: [NODE, path.join(FIXTURES, 'instance-server.mjs'), String(port)],
          env: { NO_LISTEN_FLAG: flag },
          restart: { backoff: { initial: '100ms', max: '200ms', jitter: 0 } },
          probes: [{ kind: 'http', name: 'liveness', url: `http://127.0.0.1:${port}/`, interval: '300ms', timeout: '250ms', failureThreshold: 2, startupGrace: '60s' }],
        },
      ],
    };
    const first = await startTestDaemon(config);
    cleanup.push(() => rmSync(first.dir, { recursive: true, force: true }));
    let firstStopped = false;
    cleanup.push(() => (firstStopped ? undefined : first.stop()));
    const rt1 = first.daemon.runtimes.get('down')!;
    const pid = await waitFor(() => rt1.status().pid, { timeoutMs: 15_000, message: 'down started' });
    cleanup.push(() => {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // gone already
      }
    });
    // A fresh instance has its whole grace: failing checks judge nothing yet.
    await waitFor(() => (rt1.status().probes[0]?.consecutiveFailures ?? 0) >= 2, { timeoutMs: 10_000, message: 'two failed checks' });
    expect(rt1.status().probes[0]).toMatchObject({ inGrace: true, verdict: 'pending' });
    await first.daemon.stop({ stopServices: false });
    firstStopped = true;
    // The instance started 90 s ago (its 60 s grace long over) when the next daemon adopts it.
    const statePath = path.join(first.stateDir, 'state.json');
    const saved = JSON.parse(readFileSync(statePath, 'utf8')) as { services: Record<string, { record: { instance: { startedAt: number } | null } }> };
    saved.services['down']!.record.instance!.startedAt -= 90_000;
    writeFileSync(statePath, JSON.stringify(saved));
    const second = await startTestDaemon(config, { dir: first.dir });
    cleanup.push(() => second.stop());
    const rt = second.daemon.runtimes.get('down')!;
    await waitFor(() => rt.status().pid === pid, { message: 'the instance adopted' });
    expect(rt.status().probes[0]?.inGrace).toBe(false);
    // Judged after failureThreshold failed checks, well within the 60 s it was given again before.
    const unhealthy = await waitFor(() => second.events.find((e) => e.type === 'service.unhealthy'), { timeoutMs: 20_000, message: 'judged unhealthy' });
    expect(unhealthy.message).toMatch(/^down unhealthy: liveness/);
  }, 60_000);
});
