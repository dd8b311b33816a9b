// A daemon whose API is closed while its process still runs is stopping (SIGTERM, Ctrl-C, SIGUSR2 close the API before
// daemon.json goes): `status` said "is not responding at ...: connect ECONNREFUSED", which reads as a hung daemon.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { FIXTURES, NODE } from '../helpers/daemon.js';
import { processStartTime } from '../../src/platform/proc.js';
import { endedText } from '../../src/cli/daemon-ended.js';
import { freePortRun } from '../helpers/ports.js';

describe('the CLI after a failed request to a daemon that is stopping or has ended', () => {
  it('a live daemon pid whose API is closed is "stopping", not "not responding" (exit 3)', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'cb-stopping-'));
    const child = spawn(NODE, [path.join(FIXTURES, 'sleeper.mjs')], { stdio: 'ignore' });
    try {
      const pid = child.pid!;
      const port = await freePortRun(1);
      const now = Date.now();
      writeFileSync(path.join(dir, 'daemon.json'), JSON.stringify({ pid, startedAt: now - 5000, version: 'x', api: { host: '127.0.0.1', port }, heartbeatAt: now, configPath: path.join(dir, 'c.yaml'), pidStartTime: processStartTime(pid) }));
      writeFileSync(path.join(dir, 'token'), 'a'.repeat(32), { mode: 0o600 });
      const r = await runCli(['status', '--state-dir', dir]);
      expect(r.code, r.stderr).toBe(3);
      expect(r.stderr).toContain(`the clawback daemon (pid ${pid}) is stopping: it closed its API`);
      expect(r.stderr).not.toContain('not responding');
    } finally {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);

  it('says what ended it and what it left running', () => {
    const base = { pid: 7, alive: false, infoLeft: false, stoppedOnPurpose: false, running: [] as string[] };
    expect(endedText({ ...base, stoppedOnPurpose: true }, true)).toBe('the clawback daemon (pid 7) has stopped: it was stopped on purpose (daemon.stopped); its services are stopped');
    expect(endedText({ ...base, running: ['web'] }, true)).toContain('left no daemon.stopped (SIGUSR2');
    expect(endedText({ ...base, running: ['web'] }, true)).toContain('it left its services running (web)');
    expect(endedText({ ...base, infoLeft: true, running: ['web'] }, false)).toContain('has ended without its shutdown (a crash or SIGKILL');
    // A live daemon that still owns daemon.json and whose request only timed out is a hang, said as before.
    expect(endedText({ ...base, alive: true, infoLeft: true }, false)).toBeUndefined();
  });
});
