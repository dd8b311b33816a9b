// The agent budget's ledger is read at the daemon's start: a FIFO in its place must not hold the start for good.
import { describe, expect, it } from 'vitest';
import { execFileSync, spawn } from 'node:child_process';
import { lstatSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { agentLedgerFile, readAgentLedger } from '../../src/daemon/agent-ledger.js';
import { tempDir } from '../helpers/daemon.js';

describe('agent ledger that is a FIFO', () => {
  it('reads as no runs at once (no writer ever comes) and is left where it is', async () => {
    const dir = tempDir();
    const file = agentLedgerFile(dir, 'gw');
    mkdirSync(path.dirname(file), { recursive: true });
    execFileSync('mkfifo', [file]);
    // Without the fix the read waits in open() for a writer for good; this one comes after 3 s so the test ends.
    const rescue = spawn(process.execPath, ['-e', `setTimeout(() => { const fs = require('fs'); try { const fd = fs.openSync(${JSON.stringify(file)}, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK); fs.writeSync(fd, '{"runs":[1]}'); fs.closeSync(fd); } catch {} }, 3000)`], { stdio: 'ignore' });
    try {
      const started = Date.now();
      expect(readAgentLedger(dir, 'gw')).toEqual([]);
      expect(Date.now() - started).toBeLessThan(2000);
      expect(lstatSync(file).isFIFO()).toBe(true);
    } finally {
      await new Promise((resolve) => (rescue.exitCode !== null ? resolve(null) : rescue.once('exit', resolve)));
    }
  }, 15_000);
});
