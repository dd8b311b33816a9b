// A live process whose identity cannot be read, for real: a file even root cannot read (EACCES) bound over its /proc/PID/stat.
import { execFileSync } from 'node:child_process';
import { processStartTime } from '../../src/platform/proc.js';

const UNREADABLE = '/proc/sys/vm/compact_memory';

/** Needs root and a writable mount table; tests skip elsewhere. */
export const canHideStat = process.platform === 'linux' && process.getuid?.() === 0;

/** The bind mounts made by one test file: hide() over a pid's stat, undo() them all (in afterEach). */
export interface StatHider {
  /** False when this host cannot hide it (then there is nothing to judge). */
  hide(pid: number): boolean;
  undo(): void;
}

export function statHider(): StatHider {
  const mounted: string[] = [];
  return {
    hide(pid) {
      try {
        execFileSync('mount', ['--bind', UNREADABLE, `/proc/${pid}/stat`], { stdio: 'ignore' });
      } catch {
        return false;
      }
      mounted.push(`/proc/${pid}/stat`);
      return processStartTime(pid) === undefined;
    },
    undo() {
      for (const m of mounted.splice(0)) {
        // Gone already when its process ended (the /proc entry went with it); else unmounted, lazily if need be.
        for (const args of [[m], ['-l', m]]) {
          try {
            execFileSync('umount', args, { stdio: 'ignore' });
            break;
          } catch {
            // not mounted any more, or try lazily
          }
        }
      }
    },
  };
}
