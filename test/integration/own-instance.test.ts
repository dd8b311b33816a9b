// A stale copy of a service is recognised by the markers Clawback gave it, even after it renamed itself.
import { afterEach, describe, expect, it } from 'vitest';
import { isOwnInstanceOf } from '../../src/daemon/doctor-wiring.js';
import { supervisionMarkers } from '../../src/daemon/spawn-spec.js';
import { clawbackConfigSchema } from '../../src/config/schema.js';
import { NODE } from '../helpers/daemon.js';
import { spawnMarked, waitFor, type MarkedChild } from '../helpers/processes.js';
import { commandLine } from '../../src/platform/proc.js';

let child: MarkedChild | undefined;
afterEach(() => {
  child?.kill();
  child = undefined;
});

describe('own instances', () => {
  it('knows its own stale instance by its environment after a process-title rename, and no other', async () => {
    const service = clawbackConfigSchema.parse({ services: [{ name: 'gateway', command: ['openclaw', 'gateway', 'run'] }] }).services[0]!;
    const script = "process.title = 'openclaw-gateway'; console.log('ready'); setInterval(() => {}, 1000);";
    child = spawnMarked(NODE, ['-e', script], { env: supervisionMarkers(service, '/state/a') });
    await child.waitForStdout('ready', 20_000);
    await waitFor(() => commandLine(child!.pid)?.startsWith('openclaw-gateway'), { timeoutMs: 3000 });
    expect(isOwnInstanceOf(service, '/state/a')(child.pid)).toBe(true);
    // Another daemon's service of the same name, or another service, is not ours.
    expect(isOwnInstanceOf(service, '/state/b')(child.pid)).toBe(false);
    const other = clawbackConfigSchema.parse({ services: [{ name: 'other', command: ['x'] }] }).services[0]!;
    expect(isOwnInstanceOf(other, '/state/a')(child.pid)).toBe(false);
    expect(isOwnInstanceOf(service, '/state/a')(process.pid)).toBe(false);
  });
});
