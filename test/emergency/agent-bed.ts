// What the CLI agent tests set up alike: a scenario and a scratch dir per test, one tmux server per file, all torn down.
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach } from 'vitest';
import type { Scenario } from './scenario.js';

export interface AgentBed {
  /** This file's tmux socket name. */
  readonly socket: string;
  /** Registers the test's scenario for cleanup after it; returns it. */
  track(s: Scenario): Scenario;
  /** A scratch dir under the OS temp dir, removed after the test. */
  tempDir(prefix: string): Promise<string>;
}

/** Call at a test file's top level (it registers afterEach/afterAll). */
export function agentBed(label: string): AgentBed {
  const socket = `clawback-test-${label}-${process.pid}`;
  const scenarios: Scenario[] = [];
  const dirs: string[] = [];
  afterEach(async () => {
    for (const s of scenarios.splice(0)) await s.cleanup();
    for (const d of dirs.splice(0)) await fs.rm(d, { recursive: true, force: true });
  });
  afterAll(() => {
    try {
      execFileSync('tmux', ['-L', socket, 'kill-server'], { stdio: 'ignore' });
    } catch {
      // not running
    }
  });
  return {
    socket,
    track: (s) => (scenarios.push(s), s),
    tempDir: async (prefix) => {
      const d = await fs.mkdtemp(path.join(os.tmpdir(), prefix));
      dirs.push(d);
      return d;
    },
  };
}
