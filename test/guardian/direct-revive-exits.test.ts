// A guardian pass that starts the services itself (the daemon cannot start: its API port is taken) must still end:
// launchd and a systemd oneshot run no next pass while one is running, so a pass held by the service it started
// left the daemon unrevived for as long as that service lived.
import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import YAML from 'yaml';
import { FIXTURES, NODE, markServices, tempDir } from '../helpers/daemon.js';
import { runCli } from '../helpers/cli.js';
import { isAlive, killTree } from '../helpers/processes.js';
import { freePort } from '../helpers/ports.js';

const cleanup: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

describe('guardian pass that starts services directly', () => {
  it('exits once its report is written, leaving the service it started running', async () => {
    const dir = tempDir('clawback-guardian-direct-exit-');
    const stateDir = path.join(dir, 'state');
    const apiPort = await freePort();
    const configPath = path.join(dir, 'clawback.yaml');
    writeFileSync(configPath, YAML.stringify(markServices({ api: { port: apiPort }, services: [{ name: 'sl', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] }] })));
    // Every daemon the pass starts fails at once: its API port is taken.
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(apiPort, '127.0.0.1', resolve));
    cleanup.push(() => new Promise<void>((resolve) => blocker.close(() => resolve())));

    const g = await runCli(['guardian', '--once', '--config', configPath, '--state-dir', stateDir], { timeoutMs: 50_000 }).catch((err: Error) => err);
    const pid = (() => {
      try {
        return (JSON.parse(readFileSync(path.join(stateDir, 'state.json'), 'utf8')) as { services: Record<string, { record: { instance: { pid: number } | null } }> }).services.sl?.record.instance?.pid;
      } catch {
        return undefined;
      }
    })();
    if (pid) cleanup.push(() => killTree(pid));
    expect(g, 'the guardian pass did not exit while the service it started ran').not.toBeInstanceOf(Error);
    const report = JSON.parse((g as { stdout: string }).stdout) as { outcome: string; probedServices: boolean };
    expect(report).toMatchObject({ outcome: 'daemon-down', probedServices: true });
    expect(pid && isAlive(pid)).toBe(true);
  }, 90_000);
});
