// A state.json that was a FIFO (or a directory, or corrupt) was moved aside at start and journaled as
// daemon.history-lost, but `clawback status` said nothing of it afterwards: a person reading status never learnt that the
// restart counters and held incidents had started over, nor where the old file was kept. Status now says so (and where)
// for the daemon's life, until `clawback acknowledge`; a clean first start says nothing.
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { CLI, runCli } from '../helpers/cli.js';
import { FIXTURES, NODE, markServices, readJournalFile, tempDir } from '../helpers/daemon.js';
import { spawnMarked, waitFor, type MarkedChild } from '../helpers/processes.js';

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanup.length) await Promise.resolve(cleanup.pop()!()).catch(() => undefined);
});

function setup(): { config: string; stateDir: string } {
  const dir = tempDir('clawback-history-lost-');
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  const config = path.join(dir, 'clawback.yaml');
  writeFileSync(config, YAML.stringify(markServices({ api: { port: 0 }, services: [{ name: 'steady', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] }] })));
  return { config, stateDir: path.join(dir, 'state') };
}

function startDaemon(s: { config: string; stateDir: string }): MarkedChild {
  const d = spawnMarked(NODE, [CLI, 'run', '--config', s.config, '--state-dir', s.stateDir]);
  cleanup.push(async () => {
    if (!d.exitInfo()) d.signal('SIGTERM');
    await d.waitForExit(20_000).catch(() => d.kill());
  });
  return d;
}

const journal = (stateDir: string) => readJournalFile(path.join(stateDir, 'journal.jsonl'));
const startedBy = (stateDir: string, pid: number) => journal(stateDir).some((e) => e.type === 'daemon.started' && e.details?.pid === pid);

describe('a state.json moved aside at start', () => {
  it('status says the history was reset and where the old file is, until acknowledged', { timeout: 120_000 }, async () => {
    const s = setup();
    mkdirSync(s.stateDir, { recursive: true, mode: 0o700 });
    execFileSync('mkfifo', [path.join(s.stateDir, 'state.json')]);
    const d = startDaemon(s);
    await waitFor(() => startedBy(s.stateDir, d.pid) || undefined, { timeoutMs: 30_000, message: 'the daemon started' });
    const lost = journal(s.stateDir).filter((e) => e.type === 'daemon.history-lost');
    expect(lost).toHaveLength(1);
    const movedTo = lost[0]!.details!['movedTo'] as string;
    expect(lstatSync(movedTo).isFIFO()).toBe(true);

    const status = () => runCli(['status', '--config', s.config, '--state-dir', s.stateDir]);
    const shown = (await status()).stdout;
    const lines = shown.split('\n').filter((l) => l.includes('STATE HISTORY RESET'));
    expect(lines, shown).toHaveLength(1);
    expect(lines[0]).toContain(movedTo);
    expect(lines[0]).toContain('clawback acknowledge');
    const json = JSON.parse((await runCli(['status', '--json', '--config', s.config, '--state-dir', s.stateDir])).stdout) as { daemon: { historyLost: { movedTo: string } | null } };
    expect(json.daemon.historyLost?.movedTo).toBe(movedTo);
    // Still said a while later (not only in the first seconds).
    expect((await status()).stdout).toContain('STATE HISTORY RESET');

    const ack = await runCli(['acknowledge', '--config', s.config, '--state-dir', s.stateDir]);
    expect(ack.code, ack.stderr).toBe(0);
    expect(ack.stdout).toContain('state history was reset');
    expect((await status()).stdout).not.toContain('STATE HISTORY RESET');
    const acks = await waitFor(() => { const a = journal(s.stateDir).filter((e) => e.type === 'daemon.acknowledged'); return a.length > 0 ? a : undefined; }, { timeoutMs: 10_000, message: 'daemon.acknowledged journaled' });
    expect(acks).toHaveLength(1);
    expect(acks[0]!.details).toMatchObject({ historyLostAt: lost[0]!.time });
    expect(existsSync(movedTo)).toBe(true);
  });

  it('a first start (no state yet) shows no reset', { timeout: 120_000 }, async () => {
    const s = setup();
    const d = startDaemon(s);
    await waitFor(() => startedBy(s.stateDir, d.pid) || undefined, { timeoutMs: 30_000, message: 'the daemon started' });
    const out = (await runCli(['status', '--config', s.config, '--state-dir', s.stateDir])).stdout;
    expect(out).toContain('steady');
    expect(out).not.toContain('STATE HISTORY RESET');
  });
});
