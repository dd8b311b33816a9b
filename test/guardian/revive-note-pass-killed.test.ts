// A guardian pass that starts the daemon leaves guardian-revive.json: "this end is mine to tell" (guardian.revived once
// it sees the new daemon's heartbeat). A pass ended by its own bound (exit 1) before that heartbeat told nothing, yet the
// daemon it started, slow to come up, read the note and said no daemon.died either: a SIGKILLed daemon left no word in
// the journal at all. The daemon now holds that end until the pass told it or ended without; a pass that does tell it
// (guardian.revived) is still the only one to say it.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { CLI } from '../helpers/cli.js';
import { FIXTURES, NODE, markServices, readJournalFile, tempDir } from '../helpers/daemon.js';
import { isAlive, spawnMarked, waitFor, type MarkedChild } from '../helpers/processes.js';
import type { DaemonInfo } from '../../src/daemon/daemon-info.js';

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanup.length) await Promise.resolve(cleanup.pop()!()).catch(() => undefined);
});

interface Setup {
  dir: string;
  config: string;
  stateDir: string;
  preload: string;
}

function setup(): Setup {
  const dir = tempDir('clawback-note-pass-');
  const config = path.join(dir, 'clawback.yaml');
  const stateDir = path.join(dir, 'state');
  writeFileSync(config, YAML.stringify(markServices({ api: { port: 0 }, services: [{ name: 'steady', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] }] })));
  // A loaded machine: the pass takes 0.7 s to load; the daemon it starts stalls 4 s right after it took the note (or
  // at its start, should it come to the note only after the pass ended). HOLD_UNTIL_PASS_ENDS: it stalls instead until
  // the pass its note names has ended, so it cannot come up before that pass, however slow the pass was to load.
  // STALL_AFTER_SPAWN_UNTIL_MS: once the daemon is spawned, the pass is starved (a synchronous stall) until that point
  // of its own clock (ms since its start), so its wait cannot conclude before its own bound is due.
  const preload = path.join(dir, 'slow.cjs');
  writeFileSync(
    preload,
    `const fs = require('node:fs');
const stall = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
const alive = (pid) => { try { process.kill(pid, 0); return true; } catch (e) { return e.code === 'EPERM'; } };
if (process.argv.includes('guardian') && !process.env.BLOCK_AFTER_SPAWN) stall(700);
if (process.argv.includes('guardian') && (process.env.BLOCK_AFTER_SPAWN || process.env.STALL_AFTER_SPAWN_UNTIL_MS)) {
  // A step stuck in a synchronous call once the daemon was spawned: only the pass's watchdog child can end it (SIGKILL).
  const cp = require('node:child_process');
  const spawn = cp.spawn;
  cp.spawn = function (cmd, args, ...rest) {
    const c = spawn.call(this, cmd, args, ...rest);
    if (Array.isArray(args) && args.includes('run')) {
      if (process.env.BLOCK_AFTER_SPAWN) { fs.writeFileSync(process.env.BLOCK_AFTER_SPAWN, 'blocked'); stall(60_000); }
      const until = Number(process.env.STALL_AFTER_SPAWN_UNTIL_MS);
      while (performance.now() < until) stall(Math.max(1, until - performance.now()));
    }
    return c;
  };
}
if (process.argv.includes('run') && process.argv.includes('--started-by-guardian')) {
  const rm = fs.rmSync;
  fs.rmSync = function (p, ...rest) {
    let pass;
    if (String(p).endsWith('guardian-revive.json')) try { pass = JSON.parse(fs.readFileSync(p, 'utf8')).pass?.pid; } catch {}
    const r = rm.call(this, p, ...rest);
    if (!String(p).endsWith('guardian-revive.json')) return r;
    if (!process.env.HOLD_UNTIL_PASS_ENDS) stall(4000);
    else for (const t0 = Date.now(); pass && alive(pass) && Date.now() - t0 < 60_000; ) stall(20);
    return r;
  };
}
`,
  );
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  return { dir, config, stateDir, preload };
}

const readInfo = (stateDir: string): DaemonInfo | undefined => {
  try {
    return JSON.parse(readFileSync(path.join(stateDir, 'daemon.json'), 'utf8')) as DaemonInfo;
  } catch {
    return undefined;
  }
};
const journal = (stateDir: string) => readJournalFile(path.join(stateDir, 'journal.jsonl'));
const startedBy = (stateDir: string, pid: number) => journal(stateDir).some((e) => e.type === 'daemon.started' && e.details?.pid === pid);

/** Kills whatever daemon daemon.json names at the end (the guardian's detached one). */
function killLastDaemon(stateDir: string): void {
  cleanup.push(async () => {
    const pid = readInfo(stateDir)?.pid;
    if (pid && isAlive(pid)) {
      process.kill(pid, 'SIGTERM');
      await waitFor(() => !isAlive(pid) || undefined, { timeoutMs: 20_000 }).catch(() => process.kill(pid, 'SIGKILL'));
    }
  });
}

/** A daemon that runs, then is SIGKILLed: daemon.json left behind, its pid dead. */
async function crashedDaemon(s: Setup): Promise<number> {
  const d: MarkedChild = spawnMarked(NODE, [CLI, 'run', '--config', s.config, '--state-dir', s.stateDir]);
  cleanup.push(async () => {
    if (!d.exitInfo()) d.signal('SIGKILL');
    await d.waitForExit(10_000).catch(() => undefined);
  });
  await waitFor(() => (startedBy(s.stateDir, d.pid) && readInfo(s.stateDir)?.pid === d.pid) || undefined, { timeoutMs: 30_000, message: 'the first daemon started' });
  d.signal('SIGKILL');
  await d.waitForExit(10_000);
  return d.pid;
}

async function guardianPass(s: Setup, passTimeout: string, env: Record<string, string> = {}): Promise<{ code: number | null; signal: string | null; stdout: string }> {
  const g = spawnMarked(NODE, [CLI, 'guardian', '--once', '--json', '--config', s.config, '--state-dir', s.stateDir, '--pass-timeout', passTimeout], {
    env: { NODE_OPTIONS: `--require ${s.preload}`, HOME: s.dir, ...env },
  });
  const exit = await g.waitForExit(60_000);
  return { code: exit.code, signal: exit.signal, stdout: g.stdout() };
}

/** Exactly what was said of the crashed daemon's end, waited for and then a few drains more. */
async function endsSaid(stateDir: string, crashed: number): Promise<string[]> {
  const ofCrash = () => journal(stateDir).filter((e) => (e.type === 'daemon.died' && e.details?.pid === crashed) || (e.type === 'guardian.revived' && e.details?.oldPid === crashed));
  await waitFor(() => ofCrash().length > 0 || undefined, { timeoutMs: 20_000, message: `the end of pid ${crashed} was said` }).catch(() => undefined);
  await new Promise((r) => setTimeout(r, 5000));
  return ofCrash().map((e) => e.type);
}

describe('the note of a guardian pass that its own bound ended', () => {
  it('does not swallow the crash: the daemon it started says daemon.died once', { timeout: 120_000 }, async () => {
    const s = setup();
    killLastDaemon(s.stateDir);
    const crashed = await crashedDaemon(s);

    // A bound a loaded pass reaches the daemon's start within (the bound counts from the pass's start, its load
    // included: 1.6 s was past on the loaded CI before it had started anything); its wait is starved until its own
    // timer (due 0.5 s before the bound) ends it, and the daemon comes up only once the pass has ended.
    const pass = await guardianPass(s, '10s', { STALL_AFTER_SPAWN_UNTIL_MS: String(10_000 - 450), HOLD_UNTIL_PASS_ENDS: '1' });
    expect(pass.stdout).toContain('"outcome":"timed-out"');
    expect(pass.code).toBe(1);

    // The daemon the pass started comes up after the pass ended.
    const next = await waitFor(() => { const i = readInfo(s.stateDir); return i && i.pid !== crashed && startedBy(s.stateDir, i.pid) ? i : undefined; }, { timeoutMs: 40_000, message: () => `the daemon the pass started came up; the pass said: ${pass.stdout.slice(-600)}` });
    const said = await waitFor(() => { const d = journal(s.stateDir).filter((e) => (e.type === 'daemon.died' || e.type === 'guardian.revived') && (e.details?.pid === crashed || e.details?.oldPid === crashed)); return d.length ? d : undefined; }, { timeoutMs: 15_000, message: `the end of pid ${crashed} was said` }).catch(() => []);
    // A few drains more: nothing said twice.
    await new Promise((r) => setTimeout(r, 5000));
    const ends = journal(s.stateDir).filter((e) => (e.type === 'daemon.died' && e.details?.pid === crashed) || (e.type === 'guardian.revived' && e.details?.oldPid === crashed));
    expect(ends.map((e) => e.type), JSON.stringify(journal(s.stateDir).map((e) => e.type))).toEqual(['daemon.died']);
    expect(said.length).toBe(1);
    expect(ends[0]!.message).toContain(`pid ${crashed}`);
    expect(next.pid).not.toBe(crashed);
  });

  it('held while the pass that wrote it runs, said once its watchdog SIGKILLed it (exit 137) without a word', { timeout: 120_000 }, async () => {
    const s = setup();
    killLastDaemon(s.stateDir);
    const crashed = await crashedDaemon(s);
    const blocked = path.join(s.dir, 'blocked');

    // Blocked at once after the spawn (not a second later: on the loaded CI the pass's wait had given up by then and
    // told "could not revive"), within a bound a loaded pass reaches the spawn in.
    const pass = await guardianPass(s, '10s', { BLOCK_AFTER_SPAWN: blocked });
    expect(readFileSync(blocked, 'utf8')).toBe('blocked');
    expect(pass.stdout).toContain('"outcome":"timed-out"');
    expect(pass.stdout).toContain('SIGKILL');
    expect(await endsSaid(s.stateDir, crashed), JSON.stringify(journal(s.stateDir).map((e) => e.type))).toEqual(['daemon.died']);
  });

  it('a pass that sees the daemon come back is still the only one to say it (guardian.revived, no daemon.died)', { timeout: 120_000 }, async () => {
    const s = setup();
    killLastDaemon(s.stateDir);
    const crashed = await crashedDaemon(s);

    const pass = await guardianPass(s, '100s');
    expect(pass.stdout).toContain('"outcome":"revived"');
    await waitFor(() => journal(s.stateDir).some((e) => e.type === 'guardian.revived' && e.details?.oldPid === crashed) || undefined, { timeoutMs: 15_000, message: 'guardian.revived journaled' });
    await new Promise((r) => setTimeout(r, 5000));
    const ends = journal(s.stateDir).filter((e) => (e.type === 'daemon.died' && e.details?.pid === crashed) || (e.type === 'guardian.revived' && e.details?.oldPid === crashed));
    expect(ends.map((e) => e.type)).toEqual(['guardian.revived']);
  });
});
