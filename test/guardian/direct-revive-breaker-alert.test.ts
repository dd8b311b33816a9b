// A service whose breaker trips under the guardian's direct revive (restart.guardianStartLimit hit while no daemon can
// start) is left down: a human must hear of it from that pass, not from the next daemon, which may never come. Before,
// the trip was only queued in pending-events.jsonl; the channels heard nothing while the daemon stayed down.
import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import YAML from 'yaml';
import { FIXTURES, NODE, markServices, tempDir } from '../helpers/daemon.js';
import { runCli } from '../helpers/cli.js';
import { freePort } from '../helpers/ports.js';
import { isAlive, waitFor } from '../helpers/processes.js';
import { Receiver } from '../notify/receiver.js';

interface Report {
  outcome: string;
  probedServices: boolean;
  actions: string[];
  errors: string[];
}

let receiver: Receiver | undefined;
let holder: net.Server | undefined;
afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
  await new Promise<void>((resolve) => (holder ? holder.close(() => resolve()) : resolve()));
  holder = undefined;
});

describe('guardian direct revive: breaker tripped', () => {
  it('tells the channels once, naming the service, the limit and `clawback resume`, and the next daemon does not say it again', async () => {
    receiver = await Receiver.start();
    const dir = tempDir('clawback-breaker-alert-');
    const stateDir = path.join(dir, 'state');
    const configPath = path.join(dir, 'clawback.yaml');
    // The daemon cannot start: its API port is held by another listener on 127.0.0.1.
    const port = await freePort();
    holder = net.createServer();
    await new Promise<void>((resolve) => holder!.listen(port, '127.0.0.1', resolve));
    writeFileSync(
      configPath,
      YAML.stringify(
        markServices({
          api: { port },
          notify: { channels: [{ type: 'webhook', url: `${receiver.base}/webhook/a` }] },
          services: [
            {
              name: 'crashy',
              command: [NODE, path.join(FIXTURES, 'exit-with.mjs'), '1', '0'],
              restart: { guardianStartLimit: { burst: 1, interval: '1h' }, backoff: { initial: '10ms', max: '20ms', jitter: 0 } },
            },
          ],
        }),
      ),
    );
    const escalated = () =>
      receiver!.posts('webhook').filter((m) => ['incident.escalated', 'breaker.tripped'].includes((m.json as { type?: string }).type ?? ''));
    const pendingFile = path.join(stateDir, 'pending-events.jsonl');
    const pending = (): Array<{ type: string; details?: Record<string, unknown> }> => {
      try {
        return readFileSync(pendingFile, 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as { type: string });
      } catch {
        return [];
      }
    };
    const reports: Report[] = [];
    // Bounded: pass 1 starts it, pass 2 restarts it (the burst of 1), pass 3 trips the breaker; two more passes after.
    for (let pass = 0; pass < 5; pass++) {
      const g = await runCli(['guardian', '--once', '--config', configPath, '--state-dir', stateDir], { timeoutMs: 90_000 });
      const report = JSON.parse(g.stdout) as Report;
      reports.push(report);
      expect(report.outcome, report.actions.join('\n')).toBe('daemon-down');
      expect(report.probedServices).toBe(true);
      // The instance this pass started crashes at once: its exit is the next pass's to report.
      const state = JSON.parse(readFileSync(path.join(stateDir, 'state.json'), 'utf8')) as { services: Record<string, { record: { instance: { pid: number } | null } }> };
      const pid = state.services.crashy?.record.instance?.pid;
      if (pid) await waitFor(() => !isAlive(pid) || undefined, { timeoutMs: 10_000 });
    }
    expect(pending().some((e) => e.type === 'breaker.tripped'), JSON.stringify(pending().map((e) => e.type))).toBe(true);
    await receiver.waitFor(() => escalated().length >= 1, 10_000, 'the breaker alert');
    // Once: the passes after the trip start nothing and say nothing more.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(escalated()).toHaveLength(1);
    const text = escalated()[0]!.text;
    expect(text).toMatch(/crashy/);
    expect(text).toMatch(/restarts within/);
    expect(text).toMatch(/restart.guardianStartLimit 1 restarts in 1h/);
    expect(text).toMatch(/clawback resume crashy/);
    // Queued for the next daemon's journal as told already: it does not page a second time.
    const queued = pending().filter((e) => e.type === 'incident.escalated');
    expect(queued.length).toBe(1);
    expect(queued[0]!.details?.notifiedBy).toBe('guardian');
  }, 600_000);
});
