// A read-only state dir (EROFS): a pass that found the daemon dead wrote guardian-revive.json before its direct start
// and again when it gave up, and said the same refusal twice (two lines in the report, both in the alert). One fault:
// said once, with what it means for the next daemon.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { FIXTURES, NODE, markServices, tempDir } from '../helpers/daemon.js';
import { runCli } from '../helpers/cli.js';
import { freePort } from '../helpers/ports.js';
import { mountSmallDisk, type SmallDisk } from '../helpers/tmpfs.js';

let disk: SmallDisk;
beforeAll(() => {
  disk = mountSmallDisk('1m');
});
afterAll(() => {
  disk?.unmount();
});

describe('guardian: the revive note on a read-only state dir', () => {
  it('names the refused guardian-revive.json once, saying what it means', async () => {
    const dir = tempDir('clawback-ro-note-');
    const configPath = path.join(dir, 'clawback.yaml');
    const port = await freePort();
    // Nothing to start directly (autostart off): the pass's only writes are its own files.
    writeFileSync(configPath, YAML.stringify(markServices({ api: { port }, services: [{ name: 'sl', autostart: false, command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] }] })));
    const stateDir = path.join(disk.dir, 'state');
    mkdirSync(path.join(stateDir, 'logs'), { recursive: true, mode: 0o700 });
    // The daemon that ran here: a real process, ended.
    const dead = spawnSync(NODE, ['-e', '0']).pid!;
    const now = Date.now();
    writeFileSync(
      path.join(stateDir, 'daemon.json'),
      JSON.stringify({ pid: dead, startedAt: now - 60_000, version: '0.1.0', api: { host: '127.0.0.1', port }, heartbeatAt: now - 30_000, configPath, pidStartTime: 1 }),
    );
    execFileSync('mount', ['-o', 'remount,ro', disk.dir], { stdio: 'pipe' });
    const g = await runCli(['guardian', '--once', '--json', '--config', configPath, '--state-dir', stateDir], { timeoutMs: 90_000, env: { TMPDIR: dir, XDG_RUNTIME_DIR: '' } });
    const report = JSON.parse(g.stdout) as { outcome: string; seen: string; actions: string[]; errors: string[]; refusedWrites?: string[] };
    const said = [...report.actions, ...report.errors].join('\n');
    expect(report.seen, said).toBe('dead');
    expect(report.outcome, said).toBe('daemon-down');
    const noteLines = report.errors.filter((e) => e.includes('guardian-revive.json'));
    expect(noteLines, said).toHaveLength(1);
    expect(noteLines[0]).toMatch(/EROFS/);
    // One line for the read-only disk names the note and what its refusal costs; the note's own line, word for word, is
    // in refusedWrites, once.
    expect(noteLines[0]).toContain('guardian-revive.json: daemon.died may repeat');
    const kept = (report.refusedWrites ?? []).filter((e) => e.includes('guardian-revive.json'));
    expect(kept, said).toHaveLength(1);
    expect(kept[0]).toContain(`may report that end once more`);
  }, 120_000);
});
