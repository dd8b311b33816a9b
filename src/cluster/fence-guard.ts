// The self-fence a paused daemon cannot do: a tiny process per singleton instance that SIGKILLs its group at the deadline.
// Usage: fence-guard DEADLINE_FILE PGID. The daemon rewrites the file on every lease renewal; the guard ends with the group.
import { readdirSync, readFileSync } from 'node:fs';

const [file, pgidText] = process.argv.slice(2);
const pgid = Number(pgidText);
if (!file || !Number.isInteger(pgid) || pgid <= 1) {
  process.stderr.write('usage: fence-guard DEADLINE_FILE PGID\n');
  process.exit(2);
}
const CHECK_EVERY_MS = 50;

/** System-wide monotonic milliseconds (CLOCK_MONOTONIC: the same in every process of this host). */
function monoNow(): number {
  return Number(process.hrtime.bigint() / 1_000_000n);
}

/** The kill deadline: both clocks are checked, whichever passes first kills (a missing or bad file kills too). */
function deadline(): { mono: number; wall: number } {
  try {
    const d = JSON.parse(readFileSync(file!, 'utf8')) as { killAtMono?: unknown; killAtWall?: unknown };
    if (typeof d.killAtMono === 'number' && typeof d.killAtWall === 'number') return { mono: d.killAtMono, wall: d.killAtWall };
  } catch {
    // fall through: no readable deadline means no proof the lease is still ours
  }
  return { mono: 0, wall: 0 };
}

function groupAlive(): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The leader's descendants (Linux: the /proc children files), found before the kill: a worker that left the group
 * (its own session) would otherwise go on answering after the fence, next to the new active member's.
 */
function descendants(root: number): number[] {
  const out: number[] = [];
  const queue = [root];
  while (queue.length > 0 && out.length < 10_000) {
    const pid = queue.shift()!;
    let tids: string[] = [];
    try {
      tids = readdirSync(`/proc/${pid}/task`);
    } catch {
      continue;
    }
    for (const tid of tids) {
      let text = '';
      try {
        text = readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim();
      } catch {
        // gone meanwhile
      }
      for (const c of text ? text.split(' ') : []) {
        const child = Number(c);
        if (!out.includes(child)) {
          out.push(child);
          queue.push(child);
        }
      }
    }
  }
  return out;
}

/** The process group of a pid (field 5 of /proc/<pid>/stat), or undefined when it is gone. */
function groupOf(pid: number): number | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(text.slice(text.lastIndexOf(')') + 2).split(' ')[2]);
  } catch {
    return undefined;
  }
}

function check(): void {
  if (!groupAlive()) process.exit(0);
  const d = deadline();
  if (monoNow() < d.mono && Date.now() < d.wall) return;
  const outsideGroup = descendants(pgid).filter((pid) => groupOf(pid) !== pgid);
  try {
    process.kill(-pgid, 'SIGKILL');
  } catch {
    // already gone
  }
  let outside = 0;
  for (const pid of outsideGroup) {
    try {
      process.kill(pid, 'SIGKILL');
      outside++;
    } catch {
      // gone
    }
  }
  process.stderr.write(`fence-guard: lease deadline passed; killed process group ${pgid}${outside ? ` and ${outside} descendant(s) outside it` : ''}\n`);
  process.exit(0);
}

check();
setInterval(check, CHECK_EVERY_MS);
