// An interrupted update's record the next daemon cannot read (truncated JSON, a directory, a FIFO nobody writes): the
// daemon comes up, the service is held at Level 4 with the record named and kept, never started on files
// that may mix two versions; `clawback resume` starts it and moves the record aside as evidence (the next start is not held).
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { promises as fs, readFileSync } from 'node:fs';
import path from 'node:path';
import { NODE, readJournalFile } from '../helpers/daemon.js';
import { CLI, runCli } from '../helpers/cli.js';
import { spawnMarked, waitFor } from '../helpers/processes.js';
import { inFlightFile } from '../../src/update/update-in-flight.js';
import { interruptedUpdate } from './interrupted-update-fixture.js';

type Kind = 'truncated JSON' | 'a directory' | 'a FIFO';

describe('an unreadable in-flight record at the daemon\'s start (real daemon process, built CLI)', () => {
  const { cleanup, setup, servedVersion } = interruptedUpdate({ prefix: 'clawback-upd-ur-', packs: [['1.0.0', 'good']], watch: '4s' });

  it.each<Kind>(['truncated JSON', 'a directory', 'a FIFO'])('the record is %s: held, named, kept; resume starts it and sets it aside', async (kind) => {
    const s = await setup();
    const rec = inFlightFile(s.stateDir, 'gw');
    await fs.mkdir(path.dirname(rec), { recursive: true });
    if (kind === 'truncated JSON') await fs.writeFile(rec, '{"runId": "run-2", "service": "gw", "fr');
    if (kind === 'a directory') await fs.mkdir(rec);
    if (kind === 'a FIFO') execFileSync('mkfifo', [rec]);

    const d = spawnMarked(NODE, [CLI, 'run', '--config', s.config, '--state-dir', s.stateDir]);
    cleanup.push(async () => {
      d.signal('SIGTERM');
      await d.waitForExit(30_000).catch(() => undefined);
      d.kill();
    });
    const journal = () => readJournalFile(path.join(s.stateDir, 'journal.jsonl'));
    const failed = await waitFor(() => journal().find((e) => e.type === 'update.failed' && e.service === 'gw'), { timeoutMs: 60_000, intervalMs: 200 });
    expect(failed.message).toContain(rec);
    // The daemon's start is over (not stuck on the record), gw held for a person, not started.
    await waitFor(async () => {
      const r = await runCli(['status', '--json', '--state-dir', s.stateDir]);
      const st = JSON.parse(r.stdout) as { daemon: { starting?: boolean }; services: Array<{ name: string; state: string; held: unknown }> };
      const gw = st.services.find((x) => x.name === 'gw');
      return (st.daemon.starting !== true && gw?.held && gw.state === 'held') || undefined;
    }, { timeoutMs: 30_000, intervalMs: 500 });
    expect(journal().filter((e) => e.type === 'service.started' && e.service === 'gw')).toHaveLength(0);
    expect(await servedVersion(s.port)).toBeUndefined();
    // Kept as evidence, as it was.
    const st = await fs.stat(rec);
    expect(kind === 'a directory' ? st.isDirectory() : kind === 'a FIFO' ? st.isFIFO() : st.isFile()).toBe(true);

    const r = await runCli(['resume', 'gw', '--state-dir', s.stateDir], { timeoutMs: 60_000 });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    await waitFor(async () => (await servedVersion(s.port)) === '1.0.0' || undefined, { timeoutMs: 30_000, intervalMs: 200 });
    expect(readFileSync(s.statePath, 'utf8')).toMatch(/opened by 1\.0\.0/);

    // The person's start is the decision: the record is moved aside as evidence (named, as it was), so the next daemon's
    // start does not hold gw for it again (it did, at every start and reload, until someone removed it).
    const aside = await waitFor(async () => (await fs.readdir(path.dirname(rec))).find((f) => f.startsWith('gw.in-flight.json.unreadable-')), { timeoutMs: 10_000, intervalMs: 100 });
    expect(await fs.stat(rec).catch(() => undefined)).toBeUndefined();
    const moved = await fs.stat(path.join(path.dirname(rec), aside));
    expect(kind === 'a directory' ? moved.isDirectory() : kind === 'a FIFO' ? moved.isFIFO() : moved.isFile()).toBe(true);
    expect(journal().find((e) => e.type === 'update.step' && (e.details as { step?: string } | undefined)?.step === 'record-set-aside')?.message).toContain(aside);
    d.signal('SIGTERM');
    await d.waitForExit(30_000);
    const heldBefore = journal().filter((e) => e.type === 'update.failed' && e.service === 'gw').length;
    const d2 = spawnMarked(NODE, [CLI, 'run', '--config', s.config, '--state-dir', s.stateDir]);
    cleanup.push(async () => {
      d2.signal('SIGTERM');
      await d2.waitForExit(30_000).catch(() => undefined);
      d2.kill();
    });
    await waitFor(async () => (await servedVersion(s.port)) === '1.0.0' || undefined, { timeoutMs: 60_000, intervalMs: 200 });
    expect(journal().filter((e) => e.type === 'update.failed' && e.service === 'gw')).toHaveLength(heldBefore);
  }, 240_000);
});
