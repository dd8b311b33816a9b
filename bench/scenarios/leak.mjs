// A steady leak crosses the memory limit: when does the supervisor end the instance, and how high does RSS get?
import { fault, msUntilNew200 } from '../lib/gateway.mjs';
import { readStat, treePids } from '../lib/procfs.mjs';
import { sleep } from '../lib/http.mjs';
import { killIfAlive, settle } from './subject.mjs';

const SAMPLE_MS = 50;
const TREE_REFRESH_MS = 1000;

export async function leakTrial(subject, { log, limitBytes, mbPerSec, boundMs, pageSize }) {
  const h = await settle(subject, log);
  let tree = treePids(h.pid, pageSize);
  let treeAt = performance.now();
  await fault(subject.port, 'leak', `?mbPerSec=${mbPerSec}`);
  const tLeak = performance.now();
  let crossAt;
  let goneAt;
  let peak = 0;
  for (;;) {
    const now = performance.now();
    const root = readStat(h.pid, pageSize);
    if (!root || root.state === 'Z' || root.state === 'X') {
      goneAt = now;
      break;
    }
    // The tree (pid + descendants) is rescanned once a second; RSS of its members every 50 ms.
    if (now - treeAt >= TREE_REFRESH_MS) {
      tree = treePids(h.pid, pageSize);
      treeAt = now;
    }
    let rss = 0;
    for (const pid of tree) rss += readStat(pid, pageSize)?.rssBytes ?? 0;
    peak = Math.max(peak, rss);
    if (crossAt === undefined && rss >= limitBytes) crossAt = now;
    if (now - tLeak > boundMs) break;
    await sleep(SAMPLE_MS);
  }
  if (goneAt === undefined) killIfAlive(h.pid);
  // The supervisor can end the instance between two of our 50 ms samples, right after the crossing
  // that we did not see yet: count that as ended at the crossing, and say so.
  const unseenCrossing = crossAt === undefined && goneAt !== undefined;
  if (unseenCrossing) crossAt = goneAt;
  const ref = crossAt ?? tLeak;
  const back = await msUntilNew200(subject.port, h.pid, ref, { boundMs: 60_000, pollMs: 10 });
  return {
    crossAfterMs: crossAt === undefined ? null : crossAt - tLeak,
    goneAfterCrossMs: goneAt !== undefined && crossAt !== undefined ? goneAt - crossAt : null,
    new200AfterCrossMs: goneAt !== undefined && crossAt !== undefined ? back.ms : null,
    peakBytes: peak,
    ...(unseenCrossing ? { note: `ended before a ${SAMPLE_MS} ms sample saw the limit crossed (peak seen ${Math.round(peak / 1048576)} MiB)` } : {}),
  };
}
