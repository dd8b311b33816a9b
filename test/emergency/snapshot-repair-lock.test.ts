// A doctor's repair lock beside the config is no file of the agent's: a Level 3 snapshot of the config's directory
// neither puts back a lock its owner released during the run nor removes one a doctor took during it.
import { existsSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { changesSince, createdSince, revertSnapshot, takeSnapshot } from '../../src/emergency/file-snapshot.js';
import { skippedPatterns } from '../../src/emergency/file-tree.js';
import { configRepairLockPath, takeRepairLock } from '../../src/doctor/repair-lock.js';
import { systemClock } from '../../src/platform/clock.js';

let dir: string;
let cfgDir: string;
let cfg: string;
beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'clawback-snaplock-'));
  cfgDir = path.join(dir, '.openclaw');
  await fs.mkdir(cfgDir);
  cfg = path.join(cfgDir, 'openclaw.json');
  await fs.writeFile(cfg, '{ gateway: { port: 18789 } }\n');
});
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

/** A doctor run with its own state dir, holding the config's repair lock. */
function doctorLock(name: string) {
  return takeRepairLock(path.join(dir, name), 'gw', { clock: systemClock(), waitMs: 0, configPath: cfg });
}

it('a repair lock held at the snapshot and released during the run is not put back by the revert', async () => {
  const other = await doctorLock('doctor-state');
  expect(other.ok).toBe(true);
  const lockFile = await configRepairLockPath(cfg);
  expect(existsSync(lockFile)).toBe(true);
  const snap = await takeSnapshot([cfgDir], [], path.join(dir, 'before'));
  if (other.ok) await other.release();
  await fs.writeFile(cfg, '{ gateway: { port: "oops" } }\n'); // the agent's edit
  expect((await changesSince(snap)).map((c) => c.path)).toEqual([cfg]);
  const r = await revertSnapshot(snap, path.join(dir, 'after'));
  expect(r.reverted).toEqual([cfg]);
  expect(existsSync(lockFile)).toBe(false);
  // The next doctor gets the lock at once.
  const next = await doctorLock('next-state');
  expect(next.ok).toBe(true);
  if (next.ok) await next.release();
});

it('a repair lock taken during the run is not counted as created, and is left to its holder', async () => {
  const snap = await takeSnapshot([cfgDir], [], path.join(dir, 'before'));
  const held = await doctorLock('doctor-state');
  expect(held.ok).toBe(true);
  const lockFile = await configRepairLockPath(cfg);
  expect((await createdSince(snap)).files).toEqual([]);
  await revertSnapshot(snap, path.join(dir, 'after'));
  expect(existsSync(lockFile)).toBe(true);
  // Another doctor still finds it held.
  const second = await doctorLock('second-state');
  expect(second.ok).toBe(false);
  if (held.ok) await held.release();
  expect(existsSync(lockFile)).toBe(false);
});

it("an agent's edit rules leave the repair lock out as the snapshot does", () => {
  expect(skippedPatterns()).toContain('**/*.clawback-repair*');
});

it("a validity check's candidate copy beside the config, there at the snapshot and gone by the verdict, is not put back", async () => {
  const candidate = path.join(cfgDir, '.openclaw.clawback-check-0a1b2c3d.json');
  await fs.writeFile(candidate, '{ gateway: { port: 18789 } }\n', { mode: 0o600 }); // a check under way
  const snap = await takeSnapshot([cfgDir], [], path.join(dir, 'before'));
  await fs.rm(candidate); // the check ended
  await fs.writeFile(cfg, '{ gateway: { port: "oops" } }\n');
  expect((await changesSince(snap)).map((c) => c.path)).toEqual([cfg]);
  await revertSnapshot(snap, path.join(dir, 'after'));
  expect(await fs.readdir(cfgDir)).toEqual(['openclaw.json']);
});
