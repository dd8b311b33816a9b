// A dependsOn cycle (a -> b -> a) passed validation: a reload adding one stopped the changed service and threw before
// starting it again ("dependency cycle through a", exit 1, no config.reload-failed), and the daemon's shutdown then threw
// on the same cycle, leaving the other service running without a supervisor.
import path from 'node:path';
import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { configProblems } from '../helpers/config-problems.js';
import { FIXTURES, NODE, markServices, startTestDaemon } from '../helpers/daemon.js';
import { isAlive } from '../helpers/processes.js';

const SLEEPER = path.join(FIXTURES, 'sleeper.mjs');
const svc = (name: string, dependsOn: string[] = []) => ({ name, command: [NODE, SLEEPER], dependsOn });

describe('dependsOn cycles', () => {
  it('are invalid config naming the field and the cycle', () => {
    const text = YAML.stringify({ services: [svc('a', ['c']), svc('b', ['a']), svc('c', ['b']), svc('d', ['a'])] });
    expect(configProblems(text)).toContain('services[0].dependsOn: dependency cycle: a -> c -> b -> a');
    expect(configProblems(YAML.stringify({ services: [svc('a'), svc('b', ['a']), svc('c', ['a', 'b'])] }))).toBe('');
  });

  it('a reload adding one is refused: both services keep their pid, and the daemon still stops them', async () => {
    const td = await startTestDaemon({ services: [svc('a'), svc('b', ['a'])] });
    let stopped = false;
    try {
      const d = td.daemon;
      const pid = (n: string): number | null => d.runtimes.get(n)?.status().pid ?? null;
      const deadline = Date.now() + 20_000;
      while ((pid('a') === null || pid('b') === null) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      const before = { a: pid('a')!, b: pid('b')! };
      expect(before.a).toBeGreaterThan(0);
      expect(before.b).toBeGreaterThan(0);

      writeFileSync(td.configFile, YAML.stringify(markServices({ services: [svc('a', ['b']), svc('b', ['a'])] })));
      const r = await d.command('/api/reload', new URLSearchParams({ by: 'test' }));
      expect(r?.status).toBe(400);
      expect(String(r?.body.message)).toContain('services[0].dependsOn: dependency cycle: a -> b -> a');
      expect(td.events.some((e) => e.type === 'config.reload-failed')).toBe(true);
      expect({ a: pid('a'), b: pid('b') }).toEqual(before);

      await td.stop();
      stopped = true;
      expect(isAlive(before.a)).toBe(false);
      expect(isAlive(before.b)).toBe(false);
    } finally {
      if (!stopped) await td.stop();
    }
  }, 60_000);
});
