// The agent's view of the service's log (the prompt's "Last log lines", the read_logs tool) and the crash summary's last
// words: a log that is there but cannot be read (a directory or a FIFO in its place, a mode the daemon may not open) is
// said with its cause. The prompt said nothing (an empty log) where the truth was "the log could not be read".
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { emergencyHost } from '../../src/daemon/emergency-wiring.js';
import { SnapshotStores } from '../../src/daemon/doctor-wiring.js';
import { serviceLogFile } from '../../src/daemon/spawn-spec.js';
import { lastLogLines } from '../../src/observe/last-log-lines.js';
import type { DaemonContext } from '../../src/daemon/daemon.js';
import type { ServiceRuntime } from '../../src/daemon/service-runtime.js';
import { makeFixture, type DoctorFixture } from '../doctor/doctor-fixtures.js';
import { makeSpecial, releaseFifoReaders, within } from '../helpers/special-files.js';

describe("Level 3's log tail of a log that cannot be read", () => {
  let fx: DoctorFixture;
  let log: string;
  beforeEach(async () => {
    fx = await makeFixture();
    log = serviceLogFile(fx.service, fx.stateDir);
    await fs.mkdir(path.dirname(log), { recursive: true });
  });
  afterEach(async () => {
    releaseFifoReaders(log);
    await fx.cleanup();
  });

  const host = () => {
    const ctx = { stateDir: fx.stateDir, clock: fx.clock, emit: () => undefined } as unknown as DaemonContext;
    const runtime = () => ({ status: () => ({ state: 'stopped', pid: null }) }) as unknown as ServiceRuntime;
    return emergencyHost(fx.service, ctx, runtime, new SnapshotStores());
  };
  const redactor = { redact: (s: string) => s };

  it.each([
    ['directory', /it is a directory, not a regular file/],
    ['fifo', /it is a FIFO, not a regular file/],
  ] as const)('a %s in the log\'s place: tail_log says the log could not be read and why, not an empty log', async (kind, cause) => {
    await makeSpecial(kind, log);
    const err = await within(5000, 'tailLog', host().tailLog(50)).then(
      (text) => new Error(`read as a log: ${JSON.stringify(text)}`),
      (e: Error) => e,
    );
    expect(err.message).toMatch(/^the log could not be read: cannot read /);
    expect(err.message).toContain(log);
    expect(err.message).toMatch(cause);
    // The crash summary's last words follow the same rule: one line naming it, not "no last words".
    const lines = await within(5000, 'lastLogLines', lastLogLines(log, 5, redactor));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(cause);
  });

  it('a missing log is still no output yet, and a real one is read', async () => {
    expect(await host().tailLog(50)).toBe('');
    expect(await lastLogLines(log, 5, redactor)).toEqual([]);
    await fs.writeFile(log, 'one\ntwo\n');
    expect(await host().tailLog(50)).toBe('one\ntwo\n');
  });
});
