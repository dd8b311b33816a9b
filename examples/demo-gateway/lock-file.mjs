// The demo gateway's instance lock (opt-in, env DEMO_LOCK_FILE): like OpenClaw's gateway lock, JSON {pid, createdAt, startTime}.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';

/** Start time of a pid in clock ticks since boot (/proc/<pid>/stat field 22); undefined where there is no /proc. */
function startTimeOf(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
  } catch {
    return undefined;
  }
}

function alive(pid) {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if (err.code !== 'EPERM') return false;
  }
  try {
    return !/^\d+ \(.*\) [ZX] /s.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

/**
 * Takes the lock or says why not. A live owner (same pid and start time) always blocks. A stale lock (owner gone
 * or pid reused) blocks too unless `reclaimStale`: the demo makes the stale-lock fault real (OpenClaw reclaims its
 * own), so the doctor's stale-lock rule has something to repair. Returns a release function, or an error text.
 */
export function acquireLock(file, { reclaimStale }) {
  if (existsSync(file)) {
    let owner;
    try {
      owner = JSON.parse(readFileSync(file, 'utf8'));
    } catch {
      owner = {};
    }
    const pid = Number(owner.pid);
    const live = Number.isInteger(pid) && pid > 0 && alive(pid) && (owner.startTime === undefined || startTimeOf(pid) === owner.startTime);
    if (live) return { error: `lock ${file} is held by pid ${pid} (another instance is running)` };
    if (!reclaimStale) return { error: `stale lock ${file} (owner pid ${Number.isInteger(pid) ? pid : '?'} is gone); remove it or set DEMO_RECLAIM_STALE_LOCK=1` };
    rmSync(file, { force: true });
  }
  const mine = JSON.stringify({ pid: process.pid, createdAt: new Date().toISOString(), startTime: startTimeOf(process.pid) });
  try {
    writeFileSync(file, mine, { flag: 'wx' });
  } catch (err) {
    return { error: `cannot create lock ${file}: ${err.message}` };
  }
  return {
    release() {
      try {
        if (readFileSync(file, 'utf8') === mine) rmSync(file, { force: true });
      } catch {
        /* already gone */
      }
    },
  };
}
