// A change asked of a stopped daemon (SIGSTOP, a hung event loop) is not left in its socket: the CLI says "not
// responding" and the daemon must not carry the change out later, when it wakes, behind the user's back.
import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { CLI, runCli } from '../helpers/cli.js';
import { FIXTURES, NODE, markServices, tempDir } from '../helpers/daemon.js';
import { spawnMarked, waitFor, type MarkedChild } from '../helpers/processes.js';

let daemon: MarkedChild | undefined;
afterEach(async () => {
  if (!daemon) return;
  daemon.signal('SIGCONT');
  daemon.child.kill('SIGTERM');
  await daemon.waitForExit(15_000).catch(() => daemon!.kill());
  daemon = undefined;
});

interface Status {
  services: Array<{ name: string; state: string; pid: number | null }>;
}

describe('a state change sent to a daemon with a stale heartbeat', () => {
  it('is not sent: exit 3, and the service is untouched after the daemon wakes', async () => {
    const dir = tempDir('clawback-stale-change-');
    const config = path.join(dir, 'clawback.yaml');
    const stateDir = path.join(dir, 'state');
    writeFileSync(config, YAML.stringify(markServices({ api: { port: 0 }, services: [{ name: 'web', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] }] })));
    daemon = spawnMarked(NODE, [CLI, 'run', '--config', config, '--state-dir', stateDir]);
    await daemon.waitForStdout('status:', 20_000);
    const status = async (): Promise<Status> => JSON.parse((await runCli(['status', '--json', '--state-dir', stateDir])).stdout) as Status;
    const before = await waitFor(async () => ((await status()).services[0]?.state === 'running' ? status() : null), { timeoutMs: 20_000, message: 'web running' });

    process.kill(daemon.pid, 'SIGSTOP');
    // Three missed beats (2 s each) make the heartbeat stale.
    await waitFor(() => Date.now() - (JSON.parse(readFileSync(path.join(stateDir, 'daemon.json'), 'utf8')) as { heartbeatAt: number }).heartbeatAt > 7000 || null, {
      timeoutMs: 15_000,
      intervalMs: 200,
      message: 'a stale heartbeat',
    });
    // `cluster status` said "this daemon has no `cluster:` block" (exit 1) about a daemon that did not answer at all.
    const cluster = await runCli(['cluster', 'status', '--json', '--state-dir', stateDir]);
    expect(cluster.code, cluster.stderr).toBe(3);
    expect(JSON.parse(cluster.stdout)).toMatchObject({ ok: false, error: { kind: 'daemon-unreachable', exitCode: 3 } });
    expect(cluster.stderr).toMatch(/not responding/);
    const r = await runCli(['stop', 'web', '--state-dir', stateDir]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/not responding/);
    expect(r.stderr).toMatch(/nothing was sent/);

    process.kill(daemon.pid, 'SIGCONT');
    await waitFor(async () => ((await runCli(['status', '--state-dir', stateDir])).code === 0 ? true : null), { timeoutMs: 15_000, message: 'the daemon answering again' });
    // Before: the queued POST was read once the daemon woke, and web was stopped although the CLI said it was not.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const after = await status();
    expect(after.services[0]).toMatchObject({ name: 'web', state: 'running', pid: before.services[0]!.pid });
  }, 60_000);
});
