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
  // at its start, should it come to the note only after the pass ended).
  const preload = path.join(dir, 'slow.cjs');
  writeFileSync(
    preload,
    `const fs = require('node:fs');
const stall = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
if (process.argv.includes('guardian') && !process.env.BLOCK_AFTER_SPAWN) stall(700);
if (process.argv.includes('guardian') && process.env.BLOCK_AFTER_SPAWN) {
  // A step stuck in a synchronous call once the daemon was spawned: only the pass's watchdog child can end it (SIGKILL).
  const cp = require('node:child_process');
  const spawn = cp.spawn;
  cp.spawn = function (cmd, args, ...rest) { const c = spawn.call(this, cmd, args, ...rest); if (Array.isArray(args) && args.includes('run')) setTimeout(() => { require('node:fs').writeFileSync(process.env.BLOCK_AFTER_SPAWN, 'blocked'); stall(60_000); }, 1000); return c; };
}
if (process.argv.includes('run') && process.argv.includes('--started-by-guardian')) {
  const rm = fs.rmSync;
  fs.rmSync = function (p, ...rest) { const r = rm.call(this, p, ...rest); if (String(p).endsWith('guardian-revive.json')) stall(4000); return r; };
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

    const pass = await guardianPass(s, '1600ms');
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

    const pass = await guardianPass(s, '4s', { BLOCK_AFTER_SPAWN: blocked });
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
