// Everything the run started is undone here: cleanup steps in reverse order, then a sweep by env marker, also on Ctrl-C.
import { rmSync } from 'node:fs';
import { commandLine, pidsWithMarker } from './procfs.mjs';

export const MARKER_NAME = 'CLAWBACK_BENCH_RUN';

export function createCleanup({ log }) {
  const marker = `${process.pid}-${Date.now().toString(36)}`;
  const steps = [];
  const dirs = [];
  let running;

  /** Runs every registered step once (steps added later run on the next call); concurrent callers share one run. */
  function run({ keepDirs = false } = {}) {
    if (running) return running;
    running = (async () => {
      while (steps.length > 0) {
        const { label, fn } = steps.pop();
        try {
          await fn();
        } catch (err) {
          log(`cleanup: ${label}: ${err.message}`);
        }
      }
      // Anything still alive after a short grace that carries this run's marker was started by this run: end it by pid.
      let left = pidsWithMarker(MARKER_NAME, marker);
      for (let i = 0; i < 20 && left.length > 0; i++) {
        await new Promise((r) => setTimeout(r, 100));
        left = pidsWithMarker(MARKER_NAME, marker);
      }
      for (const pid of left) {
        try {
          const cmd = commandLine(pid);
          process.kill(pid, 'SIGKILL');
          log(`cleanup: killed leftover pid ${pid} (${cmd})`);
        } catch {
          // already gone
        }
      }
      if (!keepDirs) for (const d of dirs) rmSync(d, { recursive: true, force: true });
    })().finally(() => {
      running = undefined;
    });
    return running;
  }

  return {
    marker,
    /** Environment for every child: the marker lets the final sweep find what this run started. */
    env: (extra = {}) => ({ ...process.env, ...extra, [MARKER_NAME]: marker }),
    add(label, fn) {
      const step = { label, fn };
      steps.push(step);
      return () => {
        const i = steps.indexOf(step);
        if (i >= 0) steps.splice(i, 1);
      };
    },
    addDir(dir) {
      dirs.push(dir);
    },
    run,
    onSignals(keepDirs) {
      const handler = (signal) => {
        log(`\n${signal}: cleaning up...`);
        run({ keepDirs }).finally(() => process.exit(130));
      };
      process.once('SIGINT', handler);
      process.once('SIGTERM', handler);
      process.once('SIGHUP', handler);
    },
  };
}
