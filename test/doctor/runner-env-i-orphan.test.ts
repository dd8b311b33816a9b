// A service doctor that leaves an orphan started with `env -i` (its environment mark gone) in its own session: the
// timeout must still end it (the runner's second mark, a soft RLIMIT_RTTIME set through prlimit, survives `env -i`).
import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { spawnRunner } from '../../src/doctor/command-runner.js';
import { expectGone, killTree, pidRef, runIntoTimeout } from '../helpers/processes.js';

const env = { ...process.env, CLAWBACK_TEST_CHILD: '1' } as Record<string, string>;
const linuxWithPrlimit = existsSync('/proc/self/limits') && ['/usr/bin/prlimit', '/bin/prlimit'].some((p) => existsSync(p));

describe('spawnRunner: an env -i orphan', () => {
  it.skipIf(!linuxWithPrlimit)('on timeout also kills a double-forked orphan that cleared its environment with env -i', async () => {
    const run = spawnRunner({ killGraceMs: 200 });
    // The orphan: no environment at all, its own session, bounded to 60 s should every cleanup miss it.
    const orphan = `setTimeout(() => process.exit(0), 60000)`;
    const middle = `const c = require('child_process').spawn('env', ['-i', ${JSON.stringify(process.execPath)}, '-e', ${JSON.stringify(orphan)}], { detached: true, stdio: 'ignore' }); console.log(c.pid); process.exit(0);`;
    const script = `require('child_process').spawn(process.execPath, ['-e', ${JSON.stringify(middle)}], { stdio: ['ignore', 'inherit', 'inherit'] }); setInterval(() => {}, 1000);`;
    const r = await runIntoTimeout(2000, (timeoutMs) => run([process.execPath, '-e', script], { timeoutMs, env }), (x) => Number(x.stdout.trim()) > 0);
    expect(r.timedOut).toBe(true);
    const ref = pidRef(Number(r.stdout.trim()));
    try {
      await expectGone(ref, 'the env -i orphan of the timed-out command to die');
    } finally {
      killTree(ref);
    }
  }, 30_000);

  it('a command that cannot be found still reports node\'s own error (not the wrapper\'s)', async () => {
    const r = await spawnRunner()(['clawback-no-such-command-xyz'], { timeoutMs: 5000, env });
    expect(r.error).toMatch(/ENOENT/);
  });
});
