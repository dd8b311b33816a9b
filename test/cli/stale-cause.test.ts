// A daemon whose heartbeat stood still was always "hung or stopped (SIGSTOP)", also when it ran but had used all its open
// files (EMFILE); and a CLI out of open files itself said the daemon was "not responding" (exit 3). Both now say what failed.
import { afterEach, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { CLI, runCli } from '../helpers/cli.js';
import { NODE, tempDir } from '../helpers/daemon.js';
import { spawnMarked, type MarkedChild } from '../helpers/processes.js';

const startTime = (pid: number): number => Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[19]);

function writeDaemonJson(stateDir: string, pid: number, port: number, heartbeatAt: number): void {
  mkdirSync(stateDir, { recursive: true });
  writeFileSync(path.join(stateDir, 'daemon.json'), JSON.stringify({ pid, startedAt: heartbeatAt - 1000, version: '0.1.0', api: { host: '127.0.0.1', port }, heartbeatAt, configPath: '', pidStartTime: startTime(pid) }));
}

/** A port nothing listens on (bound, then closed). */
async function closedPort(): Promise<number> {
  const s = http.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** The CLI under `prlimit --nofile=n`, asynchronously: the test's own server must keep answering meanwhile. */
function runLimited(n: number, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('prlimit', [`--nofile=${n}`, NODE, CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

let holder: MarkedChild | undefined;
afterEach(() => {
  holder?.signal('SIGCONT');
  holder?.kill();
  holder = undefined;
});

describe('status of a daemon whose heartbeat is stale, by what the OS says of it', () => {
  it('names a daemon out of open files (EMFILE), not "SIGSTOP"', async () => {
    const stateDir = path.join(tempDir('clawback-stale-cause-'), 'state');
    // Opens files until its limit refuses one, then holds them: a daemon that cannot write daemon.json nor accept.
    const script = "const fs=require('fs');const fds=[];for(let i=0;i<200;i++){try{fds.push(fs.openSync('/dev/null','r'))}catch{break}}console.log('full '+fds.length);setInterval(()=>{},1e6);";
    holder = spawnMarked('prlimit', ['--nofile=40', NODE, '-e', script]);
    await holder.waitForStdout(/full \d+/);
    writeDaemonJson(stateDir, holder.pid, await closedPort(), Date.now() - 60_000);
    const r = await runCli(['status', '--state-dir', stateDir]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/it has used all its open files \(\d+ open, limit 40: EMFILE\)/);
    expect(r.stderr).not.toMatch(/SIGSTOP/);
  }, 30_000);

  it('names a stopped one as stopped, with how to resume it', async () => {
    const stateDir = path.join(tempDir('clawback-stale-cause-'), 'state');
    holder = spawnMarked(NODE, ['-e', "console.log('up');setInterval(()=>{},1e6)"]);
    await holder.waitForStdout('up');
    holder.signal('SIGSTOP');
    writeDaemonJson(stateDir, holder.pid, await closedPort(), Date.now() - 60_000);
    const r = await runCli(['status', '--state-dir', stateDir]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`it is stopped (process state T`);
    expect(r.stderr).toContain(`kill -CONT ${holder.pid}`);
  }, 30_000);
});

describe('status from a CLI that is itself out of open files', () => {
  it('says this command hit its limit (exit 1, kind system), not that the daemon is not responding', async () => {
    const server = http.createServer((_q, res) => res.end('{}'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const stateDir = path.join(tempDir('clawback-cli-emfile-'), 'state');
      // A live pid with a fresh heartbeat: this test's own process, so the CLI goes on to connect.
      const port = (server.address() as AddressInfo).port;
      writeDaemonJson(stateDir, process.pid, port, Date.now());
      expect((await runCli(['status', '--state-dir', stateDir, '--json'])).code).toBe(0);
      // The smallest limit under which the CLI still starts: lowered one by one until the answer is no longer ok.
      let seen: { n: number; code: number | null; stdout: string; stderr: string } | undefined;
      for (let n = 40; n >= 12 && !seen; n--) {
        writeDaemonJson(stateDir, process.pid, port, Date.now());
        const r = await runLimited(n, ['status', '--state-dir', stateDir, '--json']);
        if (r.code !== 0) seen = { n, ...r };
      }
      expect(seen, 'a limit under which status fails').toBeDefined();
      expect(seen!.stderr).not.toMatch(/not responding/);
      expect(seen!.code).toBe(1);
      expect(JSON.parse(seen!.stdout.trim()).error).toMatchObject({ kind: 'system', exitCode: 1 });
      expect(seen!.stderr).toMatch(/this command has used all the open files its limit allows .*\(EMFILE\); the daemon was not reached/);
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  }, 120_000);
});
