// A service slow to stop that says (a file named by its pid) once its SIGTERM handler is in place: a test that sends
// SIGTERM as soon as the daemon says "running" could otherwise meet a Node still starting, which dies at once.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { NODE, tempDir } from './daemon.js';

export interface SlowStopService {
  command: string[];
  env: Record<string, string>;
  /** True once the instance with this pid handles SIGTERM. */
  handling(pid: number | null | undefined): boolean;
}

/** Exits `stopMs` after SIGTERM; idles until then. */
export function slowStopService(stopMs: number): SlowStopService {
  const ready = tempDir('slow-stop-ready-');
  const script = `process.on('SIGTERM', () => setTimeout(() => process.exit(0), ${stopMs})); setInterval(() => {}, 3600000); require('fs').writeFileSync(require('path').join(process.env.READY_DIR, String(process.pid)), '');`;
  return {
    command: [NODE, '-e', script],
    env: { READY_DIR: ready },
    handling: (pid) => pid != null && existsSync(path.join(ready, String(pid))),
  };
}
