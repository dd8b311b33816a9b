// A daemon killed with SIGKILL (or dead of out-of-memory) said nothing, and the next one journaled only daemon.started
// and daemon.adopted: the next daemon now says daemon.died once (pid, last heartbeat, unsupervised gap), counts it in
// /metrics and shows it in status; a clean SIGUSR2 exit, a reboot, or an end the dying daemon told itself say nothing.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { CLI, runCli } from '../helpers/cli.js';
import { FIXTURES, NODE, markServices, readJournalFile, tempDir } from '../helpers/daemon.js';
import { httpGet, isAlive, spawnMarked, waitFor, type MarkedChild } from '../helpers/processes.js';
import { previousDaemonEnd } from '../../src/daemon/previous-end.js';
import type { DaemonInfo } from '../../src/daemon/daemon-info.js';

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanup.length) await Promise.resolve(cleanup.pop()!()).catch(() => undefined);
});

function setup(): { config: string; stateDir: string } {
  const dir = tempDir('clawback-died-');
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

const readInfo = (stateDir: string): DaemonInfo | undefined => {
  try {
    return JSON.parse(readFileSync(path.join(stateDir, 'daemon.json'), 'utf8')) as DaemonInfo;
  } catch {
    return undefined;
  }
};
const journal = (stateDir: string) => readJournalFile(path.join(stateDir, 'journal.jsonl'));
const startedBy = (stateDir: string, pid: number) => journal(stateDir).some((e) => e.type === 'daemon.started' && e.details?.pid === pid);

describe('a previous daemon that died without shutting down', () => {
  it('is said once by the next daemon (journal, status, metrics); a SIGUSR2 exit is not', { timeout: 120_000 }, async () => {
    const s = setup();
    const first = startDaemon(s);
    await waitFor(() => startedBy(s.stateDir, first.pid) || undefined, { timeoutMs: 30_000, message: 'the first daemon started' });
    const beat = await waitFor(() => readInfo(s.stateDir), { timeoutMs: 10_000 });
    first.signal('SIGKILL');
    await first.waitForExit(10_000);
    expect(isAlive(first.pid)).toBe(false);

    const second = startDaemon(s);
    await waitFor(() => startedBy(s.stateDir, second.pid) || undefined, { timeoutMs: 30_000, message: 'the second daemon started' });
    const died = journal(s.stateDir).filter((e) => e.type === 'daemon.died');
    expect(died, JSON.stringify(journal(s.stateDir).map((e) => e.type))).toHaveLength(1);
    expect(died[0]!.severity).toBe('critical');
    expect(died[0]!.details).toMatchObject({ pid: first.pid, startedAt: beat.startedAt });
    expect(died[0]!.details!.lastHeartbeatAt as number).toBeGreaterThanOrEqual(beat.heartbeatAt);
    expect(died[0]!.details!.unsupervisedMs as number).toBeGreaterThan(0);
    expect(died[0]!.message).toContain(`pid ${first.pid}`);
    expect(second.stdout()).toContain('ended without shutting down');

    const info = await waitFor(() => (readInfo(s.stateDir)?.pid === second.pid ? readInfo(s.stateDir) : undefined), { timeoutMs: 10_000 });
    const metrics = await httpGet(`http://127.0.0.1:${info.api.port}/metrics`);
    expect(metrics.body).toMatch(/^clawback_daemon_unclean_ends_total 1$/m);
    const status = spawnMarked(NODE, [CLI, 'status', '--config', s.config, '--state-dir', s.stateDir]);
    await status.waitForExit(20_000);
    expect(status.stdout()).toContain(`PREVIOUS DAEMON DIED: the previous clawback daemon (pid ${first.pid})`);

    // SIGUSR2: a clean exit leaving the services running; the next daemon says nothing of a death.
    second.signal('SIGUSR2');
    await second.waitForExit(20_000);
    const third = startDaemon(s);
    await waitFor(() => startedBy(s.stateDir, third.pid) || undefined, { timeoutMs: 30_000, message: 'the third daemon started' });
    expect(journal(s.stateDir).filter((e) => e.type === 'daemon.died')).toHaveLength(1);
  });

  it('revived by the guardian: said once, by guardian.revived, not again as daemon.died', { timeout: 120_000 }, async () => {
    const s = setup();
    const first = startDaemon(s);
    await waitFor(() => startedBy(s.stateDir, first.pid) || undefined, { timeoutMs: 30_000, message: 'the first daemon started' });
    first.signal('SIGKILL');
    await first.waitForExit(10_000);
    const r = await runCli(['guardian', '--once', '--config', s.config, '--state-dir', s.stateDir], { timeoutMs: 60_000 });
    const report = JSON.parse(r.stdout) as { outcome: string; after?: { pid: number } };
    expect(report.outcome, r.stdout + r.stderr).toBe('revived');
    const revivedPid = report.after!.pid;
    cleanup.push(async () => {
      try {
        process.kill(revivedPid, 'SIGTERM');
      } catch {
        return;
      }
      await waitFor(() => !isAlive(revivedPid) || undefined, { timeoutMs: 20_000 });
    });
    await waitFor(() => journal(s.stateDir).some((e) => e.type === 'guardian.revived') || undefined, { timeoutMs: 15_000, message: 'guardian.revived journaled' });
    expect(startedBy(s.stateDir, revivedPid)).toBe(true);
    const types = journal(s.stateDir).map((e) => e.type);
    expect(types.filter((t) => t === 'daemon.died'), JSON.stringify(types)).toHaveLength(0);
    expect(types.filter((t) => t === 'guardian.revived')).toHaveLength(1);
  });

  it('clawback acknowledge clears PREVIOUS DAEMON DIED from status (it showed for an hour with no way to clear it)', { timeout: 120_000 }, async () => {
    const s = setup();
    const first = startDaemon(s);
    await waitFor(() => startedBy(s.stateDir, first.pid) || undefined, { timeoutMs: 30_000, message: 'the first daemon started' });
    await waitFor(() => readInfo(s.stateDir), { timeoutMs: 10_000 });
    first.signal('SIGKILL');
    await first.waitForExit(10_000);
    const second = startDaemon(s);
    await waitFor(() => startedBy(s.stateDir, second.pid) || undefined, { timeoutMs: 30_000, message: 'the second daemon started' });
    const status = () => runCli(['status', '--config', s.config, '--state-dir', s.stateDir]);
    expect((await status()).stdout).toContain('PREVIOUS DAEMON DIED');
    const ack = await runCli(['acknowledge', '--config', s.config, '--state-dir', s.stateDir]);
    expect(ack.code, ack.stderr).toBe(0);
    expect(ack.stdout).toContain('acknowledged');
    expect((await status()).stdout).not.toContain('PREVIOUS DAEMON DIED');
    expect(journal(s.stateDir).filter((e) => e.type === 'daemon.died')).toHaveLength(1);
    // Who cleared it, and when, is journaled (it was not: the notice vanished with no trace of who hid it).
    const died = journal(s.stateDir).find((e) => e.type === 'daemon.died')!;
    const acks = await waitFor(() => { const a = journal(s.stateDir).filter((e) => e.type === 'daemon.acknowledged'); return a.length > 0 ? a : undefined; }, { timeoutMs: 10_000, message: 'daemon.acknowledged journaled' });
    expect(acks).toHaveLength(1);
    expect(acks[0]!.details).toMatchObject({ by: expect.any(String), diedAt: died.time, pid: first.pid });
    expect(acks[0]!.message).toContain('acknowledged by');
    // A second acknowledge has nothing to clear and journals nothing more.
    expect((await runCli(['acknowledge', '--config', s.config, '--state-dir', s.stateDir])).stdout).toContain('nothing to acknowledge');
    expect(journal(s.stateDir).filter((e) => e.type === 'daemon.acknowledged')).toHaveLength(1);
  });

  it('a daemon.json left from before the machine booted: the real daemon says the machine restarted, once, not a death', { timeout: 120_000 }, async () => {
    const s = setup();
    mkdirSync(s.stateDir, { recursive: true, mode: 0o700 });
    const bootAt = Date.now() - Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]) * 1000;
    const left: DaemonInfo = { pid: 999_999, startedAt: bootAt - 100_000, version: '0', api: { host: '127.0.0.1', port: 1 }, heartbeatAt: bootAt - 50_000, configPath: s.config, pidStartTime: null };
    writeFileSync(path.join(s.stateDir, 'daemon.json'), JSON.stringify(left));
    const d = startDaemon(s);
    await waitFor(() => startedBy(s.stateDir, d.pid) || undefined, { timeoutMs: 30_000, message: 'the daemon started' });
    const types = journal(s.stateDir).map((e) => e.type);
    expect(types.filter((t) => t === 'daemon.machine-restarted'), JSON.stringify(types)).toHaveLength(1);
    expect(types).not.toContain('daemon.died');
    expect(d.stdout()).toContain('the machine restarted at');
    d.signal('SIGTERM');
    await d.waitForExit(20_000);
    const again = startDaemon(s);
    await waitFor(() => startedBy(s.stateDir, again.pid) || undefined, { timeoutMs: 30_000, message: 'the daemon started again' });
    expect(journal(s.stateDir).filter((e) => e.type === 'daemon.machine-restarted')).toHaveLength(1);
  });

  it('says a reboot once as daemon.machine-restarted, and nothing after the daemon journaled its own crash', async () => {
    const dir = tempDir('clawback-died-unit-');
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    mkdirSync(dir, { recursive: true });
    const previous: DaemonInfo = { pid: 999_999, startedAt: 1_000_000, version: '0', api: { host: '127.0.0.1', port: 1 }, heartbeatAt: 2_000_000, configPath: '', pidStartTime: 1 };
    expect(await previousDaemonEnd(dir, { previous, now: 3_000_000, bootAt: undefined })).toMatchObject({ type: 'daemon.died', details: { unsupervisedMs: 1_000_000 } });
    // The machine rebooted after the last heartbeat: not a daemon's death, but said (it said nothing before).
    expect(await previousDaemonEnd(dir, { previous, now: 3_000_000, bootAt: 2_500_000 })).toMatchObject({
      type: 'daemon.machine-restarted',
      severity: 'warning',
      message: expect.stringContaining('the machine restarted at 1970-01-01T00:41:40.000Z'),
      details: { pid: 999_999, lastHeartbeatAt: 2_000_000, bootAt: 2_500_000 },
    });
    // The dying daemon journaled its crash (exit 70): it is not said twice.
    writeFileSync(path.join(dir, 'journal.jsonl'), JSON.stringify({ type: 'daemon.crashed', time: 1_500_000, severity: 'critical', message: 'x', details: { exitCode: 70 } }) + '\n');
    expect(await previousDaemonEnd(dir, { previous, now: 3_000_000, bootAt: undefined })).toBeUndefined();
    expect(await previousDaemonEnd(dir, { previous: null, now: 3_000_000, bootAt: undefined })).toBeUndefined();
  });
});
