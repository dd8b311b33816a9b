// `clawback guardian --json` was refused ("unknown option '--json'", exit 1) and its report was 23 indented lines:
// every other --json answer is one line of JSON, which a script (or a line-per-pass log) reads line by line.
import { afterEach, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { NODE, FIXTURES, startTestDaemon, tempDir, type TestDaemon } from '../helpers/daemon.js';
import { runCli } from '../helpers/cli.js';
import { STOPPED_MARKER } from '../../src/daemon/daemon.js';
import { currentBootId, stoppedMarkerText } from '../../src/daemon/stopped-marker.js';

let td: TestDaemon | undefined;
afterEach(async () => {
  await td?.stop();
  td = undefined;
});

const env = (home: string): Record<string, string> => ({ HOME: home, XDG_RUNTIME_DIR: '', CLAWBACK_CONFIG: '' });

describe('clawback guardian --json', () => {
  it('prints its report on one line, for a live daemon and for one stopped on purpose', async () => {
    td = await startTestDaemon({ services: [{ name: 'svc', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] }] });
    const home = tempDir('clawback-guardian-json-home-');
    const live = await runCli(['guardian', '--once', '--json', '--state-dir', td.stateDir], { env: env(home), timeoutMs: 60_000 });
    expect(live.code, live.stdout + live.stderr).toBe(0);
    expect(live.stdout.trimEnd().split('\n')).toHaveLength(1);
    expect(JSON.parse(live.stdout)).toMatchObject({ outcome: 'ok', seen: 'running' });
    // Without --json the report stays as it was (indented), for a person reading guardian.log.
    const plain = await runCli(['guardian', '--once', '--state-dir', td.stateDir], { env: env(home), timeoutMs: 60_000 });
    expect(plain.stdout.split('\n').length).toBeGreaterThan(3);
    expect(JSON.parse(plain.stdout)).toMatchObject({ outcome: 'ok' });

    const stateDir = path.join(tempDir('clawback-guardian-json-'), 'state');
    mkdirSync(stateDir, { recursive: true });
    writeFileSync(path.join(stateDir, STOPPED_MARKER), stoppedMarkerText(Date.now(), currentBootId()));
    const stopped = await runCli(['guardian', '--once', '--json', '--state-dir', stateDir], { env: env(home), timeoutMs: 60_000 });
    expect(stopped.code).toBe(0);
    expect(stopped.stdout.trimEnd().split('\n')).toHaveLength(1);
    expect(JSON.parse(stopped.stdout)).toMatchObject({ outcome: 'stopped', errors: [] });
  }, 120_000);

  it('without --json on a pipe the stopped case is the same indented JSON report as every other outcome (it was one plain line)', async () => {
    const home = tempDir('clawback-guardian-json-home-');
    const stateDir = path.join(tempDir('clawback-guardian-json-'), 'state');
    mkdirSync(stateDir, { recursive: true });
    writeFileSync(path.join(stateDir, STOPPED_MARKER), stoppedMarkerText(Date.now(), currentBootId()));
    const stopped = await runCli(['guardian', '--once', '--state-dir', stateDir], { env: env(home), timeoutMs: 60_000 });
    expect(stopped.code).toBe(0);
    expect(stopped.stdout.split('\n').length, stopped.stdout).toBeGreaterThan(3);
    expect(JSON.parse(stopped.stdout)).toMatchObject({ outcome: 'stopped', errors: [] });
  }, 60_000);
});
