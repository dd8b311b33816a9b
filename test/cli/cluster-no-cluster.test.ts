// `cluster move` on a daemon without a `cluster:` block said "HTTP 404" and exited 4 (the code of an unknown service),
// and had no --json: it now names the missing block (exit 1) and answers a script like every other change.
import { afterAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { runCli } from '../helpers/cli.js';
import { FIXTURES, NODE, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';

let d: TestDaemon | undefined;
afterAll(async () => {
  await d?.stop();
});

describe('cluster commands on a daemon without a cluster: block', () => {
  it('move and status say so, with exit 1, in words and in --json', async () => {
    d = await startTestDaemon({ api: { port: 0 }, services: [{ name: 'web', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] }] });
    const env = { HOME: d.dir, CLAWBACK_CONFIG: '', CLAWBACK_STATE_DIR: '' };
    const move = await runCli(['cluster', 'move', 'web', '--to', 'b', '--state-dir', d.stateDir], { env });
    expect(move.code, move.stderr).toBe(1);
    expect(move.stderr).toContain('no `cluster:` block');
    expect(move.stderr).not.toContain('HTTP 404');
    const json = await runCli(['cluster', 'move', 'web', '--to', 'b', '--json', '--state-dir', d.stateDir], { env });
    expect(json.code, json.stderr).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, error: { kind: 'error', exitCode: 1 } });
    const status = await runCli(['cluster', 'status', '--json', '--state-dir', d.stateDir], { env });
    expect(status.code, status.stderr).toBe(1);
    expect(JSON.parse(status.stdout)).toMatchObject({ ok: false, error: { kind: 'error', message: expect.stringContaining('no `cluster:` block') } });
  }, 60_000);
});
