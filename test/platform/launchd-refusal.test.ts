// launchd has no RestartPreventExitStatus: the LaunchAgent `clawback install` wrote had KeepAlive=true, so a daemon that
// refuses to start (exit 78 on a config that does not load, exit 2 with another daemon running) was started again every
// ThrottleInterval (10 s) for as long as the file stayed broken: ~8 600 node starts a day, each appending to
// launchd-daemon.err.log. launchd's job_keepalive() with KeepAlive {SuccessfulExit: false} restarts a job unless it
// exited normally with status 0 (WIFEXITED && WEXITSTATUS == 0; a signal or any other code is restarted): the job now
// runs the daemon with --refusal-exit-code 0, and these tests run its very ProgramArguments for real.
import { afterEach, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import plist from 'plist';
import YAML from 'yaml';
import { FIXTURES, NODE, markServices, tempDir } from '../helpers/daemon.js';
import { CLI } from '../helpers/cli.js';
import { spawnMarked } from '../helpers/processes.js';
import { launchdDaemonPlist, type ServiceFileInputs } from '../../src/platform/service-files.js';

const cleanup: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

/** What launchd does after the job exited, per job_keepalive() for KeepAlive (true, or a SuccessfulExit dict). */
function launchdRestarts(keepAlive: unknown, exit: { code: number | null; signal: string | null }): boolean {
  if (keepAlive === true) return true;
  const goodExit = exit.signal === null && exit.code === 0;
  const k = keepAlive as { SuccessfulExit?: boolean };
  return k.SuccessfulExit === undefined ? false : k.SuccessfulExit === goodExit;
}

function job(inputs: ServiceFileInputs): { argv: string[]; keepAlive: unknown } {
  const parsed = plist.parse(launchdDaemonPlist(inputs)) as { ProgramArguments: string[]; KeepAlive: unknown };
  return { argv: parsed.ProgramArguments, keepAlive: parsed.KeepAlive };
}

describe('the launchd job and a daemon that refuses to start', () => {
  it('a config that does not load: the job exits 0, naming the field, and launchd does not start it again', async () => {
    const dir = tempDir('clawback-launchd-refusal-');
    const configPath = path.join(dir, 'clawback.yaml');
    writeFileSync(configPath, YAML.stringify({ api: { port: 0 }, services: [{ name: 'sl', command: 42 }] }));
    const { argv, keepAlive } = job({ nodePath: NODE, entryPath: CLI, configPath, stateDir: path.join(dir, 'state') });
    const child = spawnMarked(argv[0]!, argv.slice(1));
    cleanup.push(() => child.kill());
    const exit = await child.waitForExit(30_000);
    expect(child.stderr()).toMatch(/invalid config .*clawback\.yaml:\n {2}- service "sl": services\[0\]\.command/);
    expect(exit).toEqual({ code: 0, signal: null });
    expect(launchdRestarts(keepAlive, exit)).toBe(false);
    // A crash (exit 70) or a kill is still restarted.
    expect(launchdRestarts(keepAlive, { code: 70, signal: null })).toBe(true);
    expect(launchdRestarts(keepAlive, { code: null, signal: 'SIGKILL' })).toBe(true);
  }, 60_000);

  it('another daemon running on the state directory: the job exits 0 and launchd does not start it again', async () => {
    const dir = tempDir('clawback-launchd-refusal-');
    const configPath = path.join(dir, 'clawback.yaml');
    writeFileSync(configPath, YAML.stringify(markServices({ api: { port: 0 }, services: [{ name: 'sl', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] }] })));
    const { argv, keepAlive } = job({ nodePath: NODE, entryPath: CLI, configPath, stateDir: path.join(dir, 'state') });
    const first = spawnMarked(argv[0]!, argv.slice(1));
    cleanup.push(async () => {
      process.kill(first.pid, 'SIGINT'); // stops its service and exits
      await first.waitForExit(20_000).catch(() => first.kill());
    });
    await first.waitForStdout('dashboard:', 30_000);
    const second = spawnMarked(argv[0]!, argv.slice(1));
    cleanup.push(() => second.kill());
    const exit = await second.waitForExit(30_000);
    expect(child(second)).toMatch(/already running|holds|another daemon/i);
    expect(exit).toEqual({ code: 0, signal: null });
    expect(launchdRestarts(keepAlive, exit)).toBe(false);
  }, 90_000);
});

function child(c: { stderr(): string; stdout(): string }): string {
  return `${c.stdout()}\n${c.stderr()}`;
}
