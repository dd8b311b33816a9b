// Issue 16: shutdown never leaves services running unsupervised unless asked: SIGTERM and SIGINT stop them, SIGUSR2 hands them to the next daemon.
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import YAML from 'yaml';
import { FIXTURES, NODE, markServices, readJournalFile, tempDir } from '../helpers/daemon.js';
import { CLI } from '../helpers/cli.js';
import { isAlive, killTree, pidRef, spawnMarked, waitFor, type MarkedChild } from '../helpers/processes.js';

const cleanup: Array<() => void> = [];
afterEach(() => {
  while (cleanup.length) {
    try {
      cleanup.pop()!();
    } catch {
      // keep cleaning
    }
  }
});

interface Setup {
  config: string;
  stateDir: string;
  pidFile: string;
}

function setup(): Setup {
  const dir = tempDir('clawback-shutdown-');
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  const pidFile = path.join(dir, 'svc.pid');
  const config = path.join(dir, 'clawback.yaml');
  writeFileSync(config, YAML.stringify(markServices({ api: { port: 0 }, services: [{ name: 'svc', command: [NODE, path.join(FIXTURES, 'write-pid-and-sleep.mjs'), pidFile] }] })));
  return { config, stateDir: path.join(dir, 'state'), pidFile };
}

function daemon(s: Setup): MarkedChild {
  const d = spawnMarked(NODE, [CLI, 'run', '--config', s.config, '--state-dir', s.stateDir]);
  cleanup.push(() => d.kill());
  return d;
}

/** The service's pid once the daemon says it started (and the child wrote its pid file). */
async function servicePid(s: Setup, d: MarkedChild, after = 0): Promise<number> {
  return waitFor(
    () => {
      if (d.exitInfo()) throw new Error(`daemon exited: ${d.stderr()}`);
      const started = readJournalFile(path.join(s.stateDir, 'journal.jsonl')).filter((e) => e.type === 'service.started' || e.type === 'daemon.adopted');
      if (started.length <= after || !existsSync(s.pidFile)) return undefined;
      const pid = Number(readFileSync(s.pidFile, 'utf8'));
      if (!pid) return undefined;
      const ref = pidRef(pid);
      cleanup.push(() => killTree(ref));
      return pid;
    },
    { timeoutMs: 30_000, intervalMs: 100, message: 'the service started' },
  );
}

describe('daemon shutdown signals', () => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`${signal}: the service is stopped, then the daemon exits 0`, async () => {
      const s = setup();
      const d = daemon(s);
      const pid = await servicePid(s, d);
      expect(isAlive(pid)).toBe(true);
      process.kill(d.pid, signal);
      const exit = await d.waitForExit(30_000);
      expect(exit, d.stderr()).toEqual({ code: 0, signal: null });
      expect(isAlive(pid), 'the service must not be left running unsupervised').toBe(false);
    });
  }

  it('SIGUSR2: the daemon exits 0 and leaves the service running; the next daemon adopts that very process', async () => {
    const s = setup();
    const d1 = daemon(s);
    const pid = await servicePid(s, d1);
    process.kill(d1.pid, 'SIGUSR2');
    expect(await d1.waitForExit(30_000), d1.stderr()).toEqual({ code: 0, signal: null });
    expect(isAlive(pid), 'asked to leave it running').toBe(true);
    const d2 = daemon(s);
    await waitFor(
      () => readJournalFile(path.join(s.stateDir, 'journal.jsonl')).find((e) => e.type === 'daemon.adopted' && e.details?.pid === pid),
      { timeoutMs: 30_000, intervalMs: 100, message: 'the next daemon adopted the service' },
    );
    // Adopted, not restarted: one start in the whole journal, and still the same process.
    expect(readJournalFile(path.join(s.stateDir, 'journal.jsonl')).filter((e) => e.type === 'service.started')).toHaveLength(1);
    expect(isAlive(pid)).toBe(true);
    // And the adopting daemon supervises it: a normal stop ends it.
    process.kill(d2.pid, 'SIGTERM');
    expect(await d2.waitForExit(30_000), d2.stderr()).toEqual({ code: 0, signal: null });
    await waitFor(() => !isAlive(pid), { timeoutMs: 10_000, message: 'the adopted service stopped with its daemon' });
  });

  // 'stale': state.json still names an earlier instance, now gone (its writes are coalesced: a daemon SIGKILLed right
  // after a restart, an update's switch or a reload left it so), while the newer instance runs on.
  for (const loss of ['corrupt', 'deleted', 'stale'] as const) {
    it(`SIGUSR2, then state.json ${loss}: the next daemon finds the instance it left by its marks and adopts it, no second copy`, async () => {
      const s = setup();
      const d1 = daemon(s);
      const pid = await servicePid(s, d1);
      process.kill(d1.pid, 'SIGUSR2');
      expect(await d1.waitForExit(30_000), d1.stderr()).toEqual({ code: 0, signal: null });
      const stateFile = path.join(s.stateDir, 'state.json');
      if (loss === 'corrupt') writeFileSync(stateFile, readFileSync(stateFile, 'utf8').slice(0, 40));
      else if (loss === 'deleted') rmSync(stateFile);
      else {
        const st = JSON.parse(readFileSync(stateFile, 'utf8')) as { services: Record<string, { record: { instance: { pid: number; pidStartTime: number } } }> };
        const gone = spawnSync('true').pid!;
        expect(isAlive(gone)).toBe(false);
        st.services.svc!.record.instance = { ...st.services.svc!.record.instance, pid: gone };
        writeFileSync(stateFile, JSON.stringify(st));
      }
      const d2 = daemon(s);
      await waitFor(
        () => readJournalFile(path.join(s.stateDir, 'journal.jsonl')).find((e) => e.type === 'daemon.adopted' && e.details?.pid === pid),
        { timeoutMs: 30_000, intervalMs: 100, message: 'the next daemon adopted the unrecorded instance' },
      );
      expect(readJournalFile(path.join(s.stateDir, 'journal.jsonl')).filter((e) => e.type === 'service.started')).toHaveLength(1);
      expect(Number(readFileSync(s.pidFile, 'utf8')), 'no second copy wrote the pid file').toBe(pid);
      expect(d2.stdout()).toContain(`found pid ${pid}`);
      process.kill(d2.pid, 'SIGTERM');
      expect(await d2.waitForExit(30_000), d2.stderr()).toEqual({ code: 0, signal: null });
      await waitFor(() => !isAlive(pid), { timeoutMs: 10_000, message: 'the adopted service stopped with its daemon' });
    });
  }
});
