// Every step is journaled: killing what a dead service left behind in its process group is an event like any other.
import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { startTestDaemon, FIXTURES, NODE, tempDir, type TestDaemon } from '../helpers/daemon.js';
import { isAlive, killTree, pidRef, waitFor, type PidRef } from '../helpers/processes.js';
import { runCli } from '../helpers/cli.js';

let td: TestDaemon | undefined;
let orphan: number | undefined;
let orphanRef: PidRef | undefined;
afterEach(async () => {
  await td?.stop();
  td = undefined;
  if (orphanRef) killTree(orphanRef);
  orphan = undefined;
  orphanRef = undefined;
});

describe('journaled steps', () => {
  it('a child left in the group of an exited service is killed, and that is journaled with the count and shown in the incident', async () => {
    const dir = tempDir();
    const pidFile = path.join(dir, 'child.pid');
    // The service starts a child in its own process group, records its pid, then exits 1.
    const script = [
      "const { spawn } = require('node:child_process');",
      "const { writeFileSync, existsSync } = require('node:fs');",
      `const c = spawn(${JSON.stringify(NODE)}, [${JSON.stringify(path.join(FIXTURES, 'sleeper.mjs'))}], { stdio: 'ignore' });`,
      `if (!existsSync(${JSON.stringify(pidFile)})) writeFileSync(${JSON.stringify(pidFile)}, String(c.pid));`,
      'setTimeout(() => process.exit(1), 700);',
    ].join(' ');
    td = await startTestDaemon(
      { services: [{ name: 'parent', command: [NODE, '-e', script], restart: { backoff: { initial: '5s', jitter: 0 } } }] },
      { dir },
    );
    const t = td;
    await waitFor(() => { try { orphan = Number(readFileSync(pidFile, 'utf8')); return orphan > 0; } catch { return false; } }, { timeoutMs: 15_000 });
    orphanRef = pidRef(orphan!);
    const killed = await waitFor(() => t.events.find((e) => e.type === 'service.leftovers-killed'), { timeoutMs: 15_000 });
    expect(killed.details?.['count']).toBeGreaterThanOrEqual(1);
    expect(killed.service).toBe('parent');
    await waitFor(() => !isAlive(orphan!), { timeoutMs: 10_000 });
    // In the journal, after the exit it followed, and in the incident's timeline.
    await waitFor(() => t.journal().some((e) => e.type === 'service.leftovers-killed'), { timeoutMs: 5_000 });
    const journal = t.journal();
    const at = journal.findIndex((e) => e.type === 'service.leftovers-killed');
    expect(journal.slice(0, at).some((e) => e.type === 'service.exited' && e.service === 'parent')).toBe(true);
    const incidentId = journal.find((e) => e.type === 'incident.opened')?.incidentId;
    expect(incidentId).toBeDefined();
    const shown = await runCli(['incident', incidentId!, '--state-dir', t.stateDir]);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toMatch(/leftover process/i);
  }, 40_000);
});
