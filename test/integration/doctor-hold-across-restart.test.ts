// A hold a person must clear (the ladder stopped for their maintenance after the doctor could not fix it) survives a
// daemon restart of every kind (stop with the services, leave them running, SIGKILL); a hold they cleared does not come back.
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { NODE, markServices, readJournalFile, tempDir } from '../helpers/daemon.js';
import { CLI, runCli } from '../helpers/cli.js';
import { spawnMarked, waitFor, type MarkedChild } from '../helpers/processes.js';

const cleanup: Array<() => void> = [];
afterEach(() => {
  while (cleanup.length) cleanup.pop()!();
});

interface Rec {
  phase: string;
  held: { reason: string } | null;
  restartsTotal: number;
  instance: { pid: number } | null;
}
interface Saved {
  record: Rec;
  incident: { level: number; status: string } | null;
}

function saved(stateDir: string): Saved | undefined {
  try {
    return (JSON.parse(readFileSync(path.join(stateDir, 'state.json'), 'utf8')) as { services: Record<string, Saved> }).services.svc;
  } catch {
    return undefined;
  }
}

/** Crashes 100 ms after its start while the flag file exists; otherwise runs until stopped. */
const SCRIPT = `const fs = require('node:fs'); if (fs.existsSync(process.argv[1])) setTimeout(() => process.exit(1), 100); else { setInterval(() => {}, 1e9); process.on('SIGTERM', () => process.exit(0)); }`;

type End = 'stop' | 'leave' | 'kill';

function setup() {
  const dir = tempDir();
  const config = path.join(dir, 'clawback.yaml');
  const stateDir = path.join(dir, 'state');
  const flag = path.join(dir, 'broken');
  writeFileSync(flag, '');
  const svc = { name: 'svc', command: [NODE, '-e', SCRIPT, flag], restart: { backoff: { initial: '50ms', max: '100ms', jitter: 0 }, intensity: { maxRestarts: 3, window: '10m' } } };
  writeFileSync(config, YAML.stringify(markServices({ api: { port: 0 }, services: [svc] })));
  const cli = (...args: string[]) => runCli([...args, '--config', config, '--state-dir', stateDir], { timeoutMs: 30_000 });
  const start = async (): Promise<MarkedChild> => {
    const d = spawnMarked(NODE, [CLI, 'run', '--config', config, '--state-dir', stateDir]);
    cleanup.push(() => d.kill());
    await d.waitForStdout('dashboard:', 20_000);
    return d;
  };
  const end = async (d: MarkedChild, how: End): Promise<void> => {
    if (how === 'kill') d.signal('SIGKILL');
    else d.signal(how === 'stop' ? 'SIGINT' : 'SIGUSR2');
    await d.waitForExit(30_000);
  };
  const journal = () => readJournalFile(path.join(stateDir, 'journal.jsonl'));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  return { stateDir, flag, cli, start, end, journal };
}

describe('a hold waiting for a person, across a daemon restart', () => {
  for (const how of ['stop', 'leave', 'kill'] as const) {
    it(`the doctor's Level 2 hold in a person's maintenance stays held (daemon ${how})`, { timeout: 120_000 }, async () => {
      const t = setup();
      const d1 = await t.start();
      await waitFor(() => saved(t.stateDir)?.incident?.status === 'waiting-human', { timeoutMs: 30_000, intervalMs: 50 });
      expect((await t.cli('maintenance', 'svc', 'on')).code).toBe(0);
      // The person's doctor run finds nothing it can fix; the ladder does not climb over them (maintenance).
      await t.cli('doctor', 'svc', '--fix');
      await waitFor(() => t.journal().find((e) => e.details?.action === 'maintenance-no-climb'), { timeoutMs: 20_000 });
      const off = await t.cli('maintenance', 'svc', 'off');
      expect(off.code).toBe(0);
      // Ending the maintenance says the hold still waits for them, and how to lift it.
      const ended = await waitFor(() => t.journal().find((e) => e.type === 'maintenance.ended'), { timeoutMs: 10_000 });
      expect(ended.severity).toBe('warning');
      expect(ended.message).toMatch(/still held at Level 2 \(doctor could not fix it: .*\): run `.* resume svc` when fixed/);
      const before = saved(t.stateDir)!;
      expect(before.record.held?.reason).toBe('crash-loop');
      expect(before.incident).toMatchObject({ level: 2, status: 'open' });
      const restarts = before.record.restartsTotal;
      const mark = t.journal().length;
      await t.end(d1, how);
      const d2 = await t.start();
      // Give a wrongly re-armed doctor run the time to end and start the service (it did within 200 ms).
      await new Promise((r) => setTimeout(r, 2000));
      const after = t.journal().slice(mark);
      expect(after.filter((e) => e.details?.action === 'work-rearmed')).toEqual([]);
      expect(after.filter((e) => e.type === 'service.started' || e.type === 'service.restarting')).toEqual([]);
      const now = saved(t.stateDir)!;
      expect(now.record).toMatchObject({ phase: 'held', held: { reason: 'crash-loop' }, restartsTotal: restarts, instance: null });
      expect(now.incident).toMatchObject({ level: 2, status: 'open' });
      await t.end(d2, 'stop');
    });
  }

  it('a hold the person resumed does not come back after a daemon SIGKILL', { timeout: 120_000 }, async () => {
    const t = setup();
    const d1 = await t.start();
    await waitFor(() => saved(t.stateDir)?.incident?.status === 'waiting-human', { timeoutMs: 30_000, intervalMs: 50 });
    expect((await t.cli('maintenance', 'svc', 'on')).code).toBe(0);
    await t.cli('doctor', 'svc', '--fix');
    await waitFor(() => t.journal().find((e) => e.details?.action === 'maintenance-no-climb'), { timeoutMs: 20_000 });
    expect((await t.cli('maintenance', 'svc', 'off')).code).toBe(0);
    // The person fixes the cause and resumes it.
    rmSync(t.flag);
    expect(existsSync(t.flag)).toBe(false);
    expect((await t.cli('resume', 'svc')).code).toBe(0);
    const pid = await waitFor(() => saved(t.stateDir)?.record.instance?.pid, { timeoutMs: 20_000, intervalMs: 50 });
    expect(saved(t.stateDir)!.record.held).toBeNull();
    await t.end(d1, 'kill');
    const mark = t.journal().length;
    const d2 = await t.start();
    await new Promise((r) => setTimeout(r, 2000));
    const now = saved(t.stateDir)!;
    expect(now.record.held).toBeNull();
    expect(now.record.phase).toBe('running');
    // Adopted (its group was not the daemon's) or started again: running either way, never held.
    expect(now.record.instance?.pid).toBeDefined();
    expect(t.journal().slice(mark).filter((e) => e.type === 'breaker.tripped' || e.type === 'incident.escalated')).toEqual([]);
    void pid;
    await t.end(d2, 'stop');
  });
});
