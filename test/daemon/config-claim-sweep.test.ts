// A daemon killed with -9 never releases its config claim (<tmp>/clawback-<uid>/config-claims/<hash>.lock + .json):
// one pair per config file it ran piled up for ever (316 pairs seen). A daemon taking its claim sweeps the claims of
// daemons that are provably gone (pid dead), and leaves those of live ones.
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { claimBase, readConfigClaim, takeConfigClaim } from '../../src/daemon/config-claim.js';
import { systemClock } from '../../src/platform/clock.js';
import { NODE, tempDir } from '../helpers/daemon.js';
import { spawnMarked, type MarkedChild } from '../helpers/processes.js';

const CLAIM = fileURLToPath(new URL('../../dist/daemon/config-claim.js', import.meta.url));
const children: MarkedChild[] = [];
const dirs: string[] = [];
afterEach(() => {
  for (const c of children.splice(0)) c.kill();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A real process that takes the claim of configFile in claims (as a daemon does) and stays until killed. */
async function claimer(configFile: string, claims: string): Promise<MarkedChild> {
  const code = `import { takeConfigClaim } from ${JSON.stringify(CLAIM)};
import { systemClock } from ${JSON.stringify(CLAIM.replace('daemon/config-claim.js', 'platform/clock.js'))};
const r = await takeConfigClaim(${JSON.stringify(configFile)}, ${JSON.stringify(path.dirname(configFile))}, systemClock(), ${JSON.stringify(claims)});
process.stdout.write(r.kind + '\\n');
setInterval(() => {}, 1000);`;
  const c = spawnMarked(NODE, ['--input-type=module', '-e', code]);
  children.push(c);
  await c.waitForStdout(/held/);
  return c;
}

describe('config claims of dead daemons', () => {
  it('a daemon taking its claim removes the claims of daemons killed with -9 and keeps a live one', { timeout: 60_000 }, async () => {
    const dir = tempDir('clawback-claim-sweep-');
    dirs.push(dir);
    const claims = path.join(dir, 'config-claims');
    mkdirSync(claims, { mode: 0o700 });
    const config = (n: string): string => {
      const f = path.join(dir, `${n}.yaml`);
      writeFileSync(f, 'services: []\n');
      return f;
    };
    const [deadA, deadB, live, mine] = [config('dead-a'), config('dead-b'), config('live'), config('mine')];
    const other = await claimer(live, claims);
    // Both hold their claims at once, then are killed with -9 (no release).
    for (const c of await Promise.all([claimer(deadA, claims), claimer(deadB, claims)])) {
      c.signal('SIGKILL');
      await c.waitForExit(10_000);
    }
    expect(readdirSync(claims)).toHaveLength(6);

    const held = await takeConfigClaim(mine, dir, systemClock(), claims);
    expect(held.kind).toBe('held');
    try {
      // The two dead daemons' pairs are gone; the live one's and ours stay.
      expect(readdirSync(claims).sort()).toHaveLength(4);
      expect(readConfigClaim(live, claims)?.pid).toBe(other.pid);
      expect(readConfigClaim(mine, claims)?.pid).toBe(process.pid);
      expect(readConfigClaim(deadA, claims)).toBeUndefined();
    } finally {
      if (held.kind === 'held') await held.release();
    }
    expect(existsSync(claims)).toBe(true);
  });
  it('a claim held for a moment by a process that is no daemon of it (another start sweeping it) is taken once let go, not refused', { timeout: 60_000 }, async () => {
    const dir = tempDir('clawback-claim-sweeping-');
    dirs.push(dir);
    const claims = path.join(dir, 'config-claims');
    mkdirSync(claims, { mode: 0o700 });
    const mine = path.join(dir, 'mine.yaml');
    writeFileSync(mine, 'services: []\n');
    // What sweepDeadConfigClaims does to a dead daemon's claim: its lock taken over for a moment, the .json removed.
    const lockFile = `${claimBase(mine, claims)}.lock`;
    const LOCK = CLAIM.replace('daemon/config-claim.js', 'platform/file-lock.js');
    const CLOCK = CLAIM.replace('daemon/config-claim.js', 'platform/clock.js');
    const code = `import { FileLock } from ${JSON.stringify(LOCK)};
import { systemClock } from ${JSON.stringify(CLOCK)};
const lock = new FileLock(${JSON.stringify(lockFile)}, { clock: systemClock() });
if (!(await lock.acquire())) process.exit(3);
process.stdout.write('sweeping\\n');
setTimeout(async () => { await lock.release(); process.exit(0); }, 800);`;
    const sweeper = spawnMarked(NODE, ['--input-type=module', '-e', code]);
    children.push(sweeper);
    await sweeper.waitForStdout(/sweeping/);
    const held = await takeConfigClaim(mine, dir, systemClock(), claims);
    try {
      expect(held.kind).toBe('held');
      expect(readConfigClaim(mine, claims)?.pid).toBe(process.pid);
    } finally {
      if (held.kind === 'held') await held.release();
    }
  });
});
