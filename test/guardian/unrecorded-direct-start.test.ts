// The daemon is gone and cannot start; the pass starts the service directly, but the state dir is full or read-only:
// state.json refused the record. The report said only "probeServices: state.json: no space left" while the service ran
// unnamed, outside the daemon's record. Now it names the service and its pid and what it means; the next pass starts
// no second copy.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import YAML from 'yaml';
import { FIXTURES, NODE, markServices, tempDir } from '../helpers/daemon.js';
import { runCli } from '../helpers/cli.js';
import { freePort } from '../helpers/ports.js';
import { isAlive, killTree, pidRef, processesWithArgs, waitFor } from '../helpers/processes.js';
import { mountSmallDisk, type SmallDisk } from '../helpers/tmpfs.js';

let disk: SmallDisk | undefined;
let tag: string | undefined;
let blocker: net.Server | undefined;
afterEach(async () => {
  for (const pid of tag ? processesWithArgs(tag) : []) killTree(pidRef(pid));
  tag = undefined;
  await new Promise<void>((r) => (blocker ? blocker.close(() => r()) : r()));
  blocker = undefined;
  disk?.unmount();
  disk = undefined;
});

interface Report {
  outcome: string;
  actions: string[];
  errors: string[];
}

async function setUp(prefix: string): Promise<{ dir: string; configPath: string; stateDir: string }> {
  disk = mountSmallDisk('1m');
  const dir = tempDir(prefix);
  const configPath = path.join(dir, 'clawback.yaml');
  const port = await freePort();
  tag = `unrecorded-${process.pid}-${port}`;
  writeFileSync(configPath, YAML.stringify(markServices({ api: { port }, services: [{ name: 'sl', command: [NODE, path.join(FIXTURES, 'sleeper.mjs'), tag] }] })));
  // The daemon cannot start: another process holds its API port.
  blocker = net.createServer();
  await new Promise<void>((r) => blocker!.listen(port, '127.0.0.1', () => r()));
  const stateDir = path.join(disk.dir, 'state');
  mkdirSync(path.join(stateDir, 'logs'), { recursive: true, mode: 0o700 });
  const dead = spawnSync(NODE, ['-e', '0']).pid!;
  const now = Date.now();
  writeFileSync(
    path.join(stateDir, 'daemon.json'),
    JSON.stringify({ pid: dead, startedAt: now - 60_000, version: '0.1.0', api: { host: '127.0.0.1', port }, heartbeatAt: now - 30_000, configPath, pidStartTime: 1 }),
  );
  return { dir, configPath, stateDir };
}

async function pass(dir: string, configPath: string, stateDir: string): Promise<Report> {
  const g = await runCli(['guardian', '--once', '--json', '--config', configPath, '--state-dir', stateDir], { timeoutMs: 90_000, env: { TMPDIR: dir, XDG_RUNTIME_DIR: '' } });
  return JSON.parse(g.stdout) as Report;
}

async function expectToldAndNotTwice(dir: string, configPath: string, stateDir: string): Promise<void> {
  const first = await pass(dir, configPath, stateDir);
  const said = [...first.actions, ...first.errors].join('\n');
  expect(first.outcome, said).toBe('daemon-down');
  const running = await waitFor(() => (processesWithArgs(tag!).length > 0 ? processesWithArgs(tag!) : null), { timeoutMs: 10_000, message: 'the service started directly' });
  expect(running, said).toHaveLength(1);
  const line = first.errors.find((e) => e.startsWith('probeServices:'));
  expect(line, said).toBeDefined();
  expect(line).toContain(`started sl (pid ${running[0]}), but state.json could not be written`);
  expect(line).toContain("outside the daemon's record");
  expect(line).toContain('never starting a second copy');
  // The next pass (the disk no better) finds it by its marks: still one copy.
  const second = await pass(dir, configPath, stateDir);
  expect(second.outcome, [...second.actions, ...second.errors].join('\n')).toBe('daemon-down');
  expect(processesWithArgs(tag!)).toEqual(running);
  expect(isAlive(running[0]!)).toBe(true);
}

describe('guardian: a service started directly that state.json cannot record', () => {
  it('a full state dir: names the service, its pid and that it runs outside the record; no second copy', async () => {
    const { dir, configPath, stateDir } = await setUp('clawback-unrec-full-');
    disk!.fill();
    await expectToldAndNotTwice(dir, configPath, stateDir);
  }, 180_000);

  it('a read-only state dir: the same', async () => {
    const { dir, configPath, stateDir } = await setUp('clawback-unrec-ro-');
    execFileSync('mount', ['-o', 'remount,ro', disk!.dir], { stdio: 'pipe' });
    await expectToldAndNotTwice(dir, configPath, stateDir);
  }, 180_000);
});
