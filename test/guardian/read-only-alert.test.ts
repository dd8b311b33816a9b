// A state dir turned read-only (a remount ro) with the daemon down: the guardian's alert was never sent ("alerting failed:
// EROFS ... mkdir guardian-notify"), so nobody was told. Its spool goes beside its fallback file then, and the alert out.
import { afterEach, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import YAML from 'yaml';
import { FIXTURES, NODE, markServices, tempDir } from '../helpers/daemon.js';
import { runCli } from '../helpers/cli.js';
import { freePort } from '../helpers/ports.js';
import { killTree, pidRef, processesWithArgs } from '../helpers/processes.js';
import { Receiver } from '../notify/receiver.js';

let receiver: Receiver | undefined;
let holder: net.Server | undefined;
let mounted: string | undefined;
let tag: string | undefined;
afterEach(async () => {
  if (mounted) execFileSync('umount', [mounted]);
  mounted = undefined;
  for (const pid of tag ? processesWithArgs(tag) : []) killTree(pidRef(pid));
  tag = undefined;
  await receiver?.close();
  receiver = undefined;
  await new Promise<void>((resolve) => (holder ? holder.close(() => resolve()) : resolve()));
  holder = undefined;
});

describe('guardian: a read-only state dir and the daemon down', () => {
  it.each([['no guardian-notify folder yet', false], ['its guardian-notify folder made before', true]])('tells the channel (%s)', async (_what, made) => {
    receiver = await Receiver.start();
    const dir = tempDir('clawback-ro-alert-');
    const tmp = path.join(dir, 'tmp');
    mkdirSync(tmp, { mode: 0o700 });
    const port = await freePort();
    tag = `ro-alert-${process.pid}-${port}`;
    // The daemon cannot start (its API port is held, and the state dir is read-only): the pass ends daemon-down.
    holder = net.createServer();
    await new Promise<void>((resolve) => holder!.listen(port, '127.0.0.1', resolve));
    const configPath = path.join(dir, 'clawback.yaml');
    writeFileSync(
      configPath,
      YAML.stringify(markServices({ api: { port }, notify: { channels: [{ type: 'webhook', url: `${receiver.base}/webhook/a` }] }, services: [{ name: 'sl', command: [NODE, path.join(FIXTURES, 'sleeper.mjs'), tag] }] })),
    );
    const stateDir = path.join(dir, 'state');
    mkdirSync(path.join(stateDir, 'logs'), { recursive: true, mode: 0o700 });
    if (made) mkdirSync(path.join(stateDir, 'guardian-notify'), { mode: 0o700 });
    execFileSync('mount', ['--bind', stateDir, stateDir]);
    mounted = stateDir;
    execFileSync('mount', ['-o', 'remount,bind,ro', stateDir]);
    const g = await runCli(['guardian', '--once', '--json', '--config', configPath, '--state-dir', stateDir], { timeoutMs: 90_000, env: { TMPDIR: tmp, XDG_RUNTIME_DIR: '' } });
    const report = JSON.parse(g.stdout) as { outcome: string; actions: string[]; errors: string[] };
    expect(report.outcome, g.stdout).toBe('daemon-down');
    expect(report.errors.join('\n')).not.toMatch(/alerting failed/);
    await receiver.waitFor(() => receiver!.posts('webhook').some((m) => (m.json as { type?: string }).type === 'daemon.crashed'), 10_000, 'the guardian alert');
  }, 120_000);
});
