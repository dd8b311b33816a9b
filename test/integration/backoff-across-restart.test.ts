// A restart waiting out its backoff when the daemon goes away (SIGKILL, or SIGUSR2 leaving services) keeps its time under the next daemon.
import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { FIXTURES, NODE, markServices, readJournalFile, tempDir } from '../helpers/daemon.js';
import { CLI } from '../helpers/cli.js';
import { spawnMarked, waitFor, type MarkedChild } from '../helpers/processes.js';

const cleanup: Array<() => void> = [];
afterEach(() => {
  while (cleanup.length) cleanup.pop()!();
});

function setup(): { config: string; stateDir: string } {
  const dir = tempDir();
  const config = path.join(dir, 'clawback.yaml');
  writeFileSync(
    config,
    YAML.stringify(
      markServices({
        api: { port: 0 },
        services: [
          {
            name: 'crashy',
            command: [NODE, path.join(FIXTURES, 'exit-with.mjs'), '1', '300'],
            restart: { backoff: { initial: '8s', max: '30s', jitter: 0 }, intensity: { maxRestarts: 10, window: '10m' } },
          },
        ],
      }),
    ),
  );
  return { config, stateDir: path.join(dir, 'state') };
}

function startDaemon(s: { config: string; stateDir: string }): MarkedChild {
  const d = spawnMarked(NODE, [CLI, 'run', '--config', s.config, '--state-dir', s.stateDir]);
  cleanup.push(() => d.kill());
  return d;
}

function record(stateDir: string): { phase: string; nextStartAt: number | null } | undefined {
  try {
    return (JSON.parse(readFileSync(path.join(stateDir, 'state.json'), 'utf8')) as { services: Record<string, { record: { phase: string; nextStartAt: number | null } }> }).services.crashy?.record;
  } catch {
    return undefined;
  }
}

describe('backoff across a daemon restart', () => {
  for (const how of ['SIGKILL', 'SIGUSR2'] as const) {
    it(`${how}: the next daemon restarts the service at the time the backoff set, not at once`, { timeout: 60_000 }, async () => {
      const s = setup();
      const d1 = startDaemon(s);
      // The second exit schedules a restart 8 s later.
      const due = await waitFor(() => {
        const r = record(s.stateDir);
        return r?.phase === 'backoff' && r.nextStartAt !== null ? r.nextStartAt : undefined;
      }, { timeoutMs: 20_000, intervalMs: 50 });
      if (how === 'SIGKILL') d1.kill();
      else process.kill(d1.pid, 'SIGUSR2');
      await d1.waitForExit(15_000);
      const goneAt = Date.now();
      expect(due - goneAt).toBeGreaterThan(3000);
      const d2 = startDaemon(s);
      await d2.waitForStdout('dashboard:', 15_000);
      const journal = path.join(s.stateDir, 'journal.jsonl');
      const started = await waitFor(() => readJournalFile(journal).find((e) => e.type === 'service.started' && e.time >= goneAt), { timeoutMs: 20_000, intervalMs: 100 });
      // Jitter 0: never before the due time (bounded by the cap), and not long after it.
      expect(started.time).toBeGreaterThanOrEqual(due);
      expect(started.time - due).toBeLessThan(3000);
      const resumed = readJournalFile(journal).find((e) => e.type === 'service.restart-scheduled' && e.time >= goneAt && e.time < started.time);
      expect(resumed?.message).toContain('backoff was under way');
    });
  }
});
