// `clawback update` follows the run for at most 45 min counted on the monotonic clock: a step of the wall clock must not end the wait at once.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { processStartTime } from '../../src/platform/proc.js';
import { runCli } from '../helpers/cli.js';
import { FIXTURES, tempDir } from '../helpers/daemon.js';
import { HOUR } from '../helpers/clock.js';

/** The daemon's update API as the CLI sees it: a run that goes on until `finish` is called. */
async function updateApi(onPoll: (n: number) => void): Promise<{ server: http.Server; port: number; finish(): void }> {
  let done = false;
  let polls = 0;
  const server = http.createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    if (req.method === 'POST') return void res.end(JSON.stringify({ ok: true, message: 'update gw: 1.0.0 -> 1.1.0 started', runId: 'r1' }));
    onPoll(++polls);
    const report = done ? { outcome: 'succeeded', message: 'gw runs 1.1.0', totalMs: 4000 } : null;
    res.end(JSON.stringify({ runId: 'r1', service: 'gw', to: '1.1.0', startedAt: Date.now(), running: !done, steps: [], report }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as AddressInfo).port, finish: () => void (done = true) };
}

describe('clawback update --wait across a wall-clock step', () => {
  let api: Awaited<ReturnType<typeof updateApi>> | undefined;
  afterEach(async () => {
    await new Promise((r) => api?.server.close(r));
    api = undefined;
  });

  it('keeps following the run after NTP steps the clock forward an hour, and reports its end', async () => {
    const dir = tempDir('clawback-update-step-');
    const stateDir = path.join(dir, 'state');
    mkdirSync(stateDir, { recursive: true });
    const stepFile = path.join(dir, 'step');
    writeFileSync(stepFile, '0');
    api = await updateApi((n) => {
      // After the first poll the wall clock jumps an hour ahead (wall-step.mjs re-reads the file every 100 ms).
      if (n === 1) writeFileSync(stepFile, String(HOUR));
      if (n === 4) api!.finish();
    });
    writeFileSync(
      path.join(stateDir, 'daemon.json'),
      JSON.stringify({ pid: process.pid, startedAt: Date.now(), version: 'test', api: { host: '127.0.0.1', port: api.port }, heartbeatAt: Date.now(), configPath: path.join(dir, 'clawback.yaml'), pidStartTime: processStartTime(process.pid) }),
    );
    writeFileSync(path.join(stateDir, 'token'), 'test-token\n', { mode: 0o600 });
    const r = await runCli(['update', 'gw', '1.1.0', '--state-dir', stateDir], {
      env: { NODE_OPTIONS: `--import ${path.join(FIXTURES, 'wall-step.mjs')}`, WALL_STEP_FILE: stepFile },
      timeoutMs: 60_000,
    });
    expect(r.stderr).not.toContain('still running after');
    expect(r.stdout).toContain('succeeded: gw runs 1.1.0');
    expect(r.code).toBe(0);
  }, 90_000);
});
