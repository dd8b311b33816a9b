// A daemon that stops while its last-known-good tick runs a validator waits for that validator (and a child it
// respawned into its own session, as openclaw's CLI does) to be gone: no validator outlives the daemon's stop.
// Seen in the do-no-harm e2e case: `openclaw config validate` and its child were left in the case's HOME.
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { FIXTURES, NODE, startTestDaemon, tempDir, type TestDaemon } from '../helpers/daemon.js';
import { isAlive, waitFor } from '../helpers/processes.js';

let td: TestDaemon | undefined;
afterEach(async () => {
  await td?.stop();
  td = undefined;
});

describe('last-known-good tick at daemon stop', () => {
  it('stop() returns only once the validator in flight and its escaped child are gone', { timeout: 60_000 }, async () => {
    const dir = tempDir();
    const cfg = path.join(dir, 'service.json');
    writeFileSync(cfg, '{"ok": true}\n');
    const pids = path.join(dir, 'validator.pids');
    // The first run (the preflight before the start) passes at once; a later one (the last-known-good tick's)
    // records its pid and its detached child's, then takes far longer than the test.
    const runs = path.join(dir, 'validator.runs');
    const validator = path.join(dir, 'slow-validator.cjs');
    writeFileSync(
      validator,
      [
        "const { spawn } = require('node:child_process');",
        "const fs = require('node:fs');",
        `fs.appendFileSync(${JSON.stringify(runs)}, 'x');`,
        `if (fs.readFileSync(${JSON.stringify(runs)}, 'utf8').length === 1) process.exit(0);`,
        // Both ignore SIGTERM, as a CLI busy finishing its work may: only the runner's SIGKILL, 2 s later, ends them.
        "process.on('SIGTERM', () => {});",
        "const c = spawn(process.execPath, ['-e', \"process.on('SIGTERM', () => {}); setInterval(() => {}, 1000)\"], { detached: true, stdio: 'ignore' });",
        `fs.writeFileSync(${JSON.stringify(pids)}, process.pid + ' ' + c.pid);`,
        'setInterval(() => {}, 1000);',
      ].join('\n'),
    );
    td = await startTestDaemon(
      {
        services: [
          {
            name: 'steady',
            command: [NODE, path.join(FIXTURES, 'sleeper.mjs')],
            configFile: { path: cfg, format: 'json', validateCommand: [NODE, validator, '{file}'] },
            doctor: { snapshotAfter: '1s' },
          },
        ],
      },
      { dir },
    );
    await waitFor(() => existsSync(pids) && readFileSync(pids, 'utf8').includes(' '), { timeoutMs: 30_000, message: 'the validator to start' });
    const [own, escaped] = readFileSync(pids, 'utf8').trim().split(' ').map(Number) as [number, number];
    expect(isAlive(own) && isAlive(escaped)).toBe(true);
    await td.stop();
    td = undefined;
    expect(isAlive(own), 'the validator outlived the daemon').toBe(false);
    expect(isAlive(escaped), "the validator's escaped child outlived the daemon").toBe(false);
  });
});
