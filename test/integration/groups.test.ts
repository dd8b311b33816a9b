// Many services under one daemon: dependency start order and OTP rest_for_one restarts on real processes.
import { afterEach, describe, expect, it } from 'vitest';
import path from 'node:path';
import { startTestDaemon, FIXTURES, NODE, type TestDaemon } from '../helpers/daemon.js';
import { waitFor, isAlive } from '../helpers/processes.js';
import { peersToRestart } from '../../src/daemon/groups.js';

let td: TestDaemon | undefined;
afterEach(async () => {
  await td?.stop();
  td = undefined;
});

const sleeper = [NODE, path.join(FIXTURES, 'sleeper.mjs')];

describe('groups and dependencies', () => {
  it('peersToRestart follows the OTP strategies', () => {
    const groups = [
      { name: 'a', strategy: 'rest_for_one' as const, services: ['db', 'api', 'web'] },
      { name: 'b', strategy: 'one_for_all' as const, services: ['x', 'y', 'z'] },
      { name: 'c', strategy: 'one_for_one' as const, services: ['p', 'q'] },
    ];
    expect(peersToRestart(groups, 'db')).toEqual(['api', 'web']);
    expect(peersToRestart(groups, 'api')).toEqual(['web']);
    expect(peersToRestart(groups, 'web')).toEqual([]);
    expect(peersToRestart(groups, 'y')).toEqual(['x', 'z']);
    expect(peersToRestart(groups, 'p')).toEqual([]);
  });

  it('starts 20 services in dependency order and restarts the rest of the group after a crash', async () => {
    const workers = Array.from({ length: 18 }, (_, i) => `worker-${String(i).padStart(2, '0')}`);
    td = await startTestDaemon({
      groups: [{ name: 'stack', strategy: 'rest_for_one', services: ['db', 'api', ...workers] }],
      services: [
        { name: 'db', command: sleeper },
        { name: 'api', command: sleeper, dependsOn: ['db'] },
        ...workers.map((w) => ({ name: w, command: sleeper, dependsOn: ['api'] })),
      ],
    });
    const t = td;
    const rt = (n: string) => t.daemon.runtimes.get(n)!;
    await waitFor(() => workers.every((w) => rt(w).status().pid !== null), { timeoutMs: 30_000 });
    const started = (n: string) => t.events.find((e) => e.type === 'service.started' && e.service === n)!.time;
    const healthy = (n: string) => t.events.find((e) => e.type === 'service.healthy' && e.service === n)!.time;
    expect(started('api')).toBeGreaterThanOrEqual(healthy('db'));
    for (const w of workers) expect(started(w)).toBeGreaterThanOrEqual(healthy('api'));

    const before = Object.fromEntries(['db', 'api', ...workers].map((n) => [n, rt(n).status().pid!]));
    process.kill(before.api!, 'SIGKILL');
    await waitFor(() => workers.every((w) => rt(w).status().pid !== null && rt(w).status().pid !== before[w]), { timeoutMs: 30_000 });
    expect(rt('db').status().pid).toBe(before.db); // before it in the group: untouched
    expect(rt('api').status().pid).not.toBe(before.api);
    for (const w of workers) expect(isAlive(before[w]!)).toBe(false);
    // Peer restarts are not the peers' failures: no incident for them.
    expect(t.events.filter((e) => e.type === 'incident.opened').map((e) => e.service)).toEqual(['api']);
  });
});
