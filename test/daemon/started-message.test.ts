// The journal's "clawback started" line says what is true: a service still waiting for its dependencies is named as not
// running, not counted among the supervised ones as if it ran.
import { afterEach, describe, expect, it } from 'vitest';
import path from 'node:path';
import { FIXTURES, NODE, startTestDaemon, tempDir, type TestDaemon } from '../helpers/daemon.js';
import { startedText } from '../../src/daemon/started-text.js';

let daemons: TestDaemon[] = [];
afterEach(async () => {
  for (const d of daemons) await d.stop();
  daemons = [];
});

const sleeper = (name: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  name,
  command: [NODE, path.join(FIXTURES, 'sleeper.mjs')],
  stop: { grace: '1s' },
  ...extra,
});

describe('the started line', () => {
  it('names a service still waiting for its dependency instead of counting it as supervised and running', { timeout: 60_000 }, async () => {
    const dir = tempDir();
    // a is never healthy (its probe fails): b waits for it (up to 60 s) after the daemon has said it started.
    const aProbe = { kind: 'command', command: [NODE, '-e', 'process.exit(1)'], interval: '200ms', timeout: '2s', startupGrace: '10m' };
    const t = await startTestDaemon({ services: [sleeper('a', { probes: [aProbe] }), sleeper('b', { dependsOn: ['a'] })] }, { dir });
    daemons.push(t);
    const started = t.events.find((e) => e.type === 'daemon.started');
    expect(started).toBeDefined();
    expect(t.daemon.runtimes.get('b')!.status().pid).toBeNull();
    // Before the fix: "clawback X started (pid N), supervising 2 service(s)" and nothing more.
    expect(started!.message).toMatch(/supervising 2 service\(s\): 1 running, 1 not running yet: b \(waiting for a\)$/);
  });

  it('all running: the short line; many not running: named up to five, the rest counted', () => {
    const svc = (name: string, state = 'running', pid: number | null = 10) => ({ name, state, pid, held: null, desired: 'up' as const, dependsOn: [] });
    expect(startedText('1.0.0', 7, [svc('a'), svc('b')])).toBe('clawback 1.0.0 started (pid 7), supervising 2 service(s)');
    const many = Array.from({ length: 8 }, (_, i) => svc(`s${i}`, 'starting', null));
    expect(startedText('1.0.0', 7, [svc('a'), ...many])).toBe(
      'clawback 1.0.0 started (pid 7), supervising 9 service(s): 1 running, 8 not running yet: s0 (starting), s1 (starting), s2 (starting), s3 (starting), s4 (starting), and 3 more',
    );
    expect(startedText('1.0.0', 7, [{ ...svc('gw', 'held', null), held: { reason: 'preflight' } }])).toContain('gw (held: preflight)');
  });
});
