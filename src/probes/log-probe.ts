// The log probe: a pattern in the NEW lines of the service's log since the last tick (rotation-safe, bounded reads).
import { open, stat } from 'node:fs/promises';
import type { ProbeConfigOf } from './probe-schema.js';
import type { Probe, ProbeResult, ProbeTarget } from './probe-types.js';
import { movedSince, offsetInCopy, renamedTo, rotationMark } from './log-generations.js';

const LINE_LIMIT = 500;
/**
 * The last bytes read are kept and read again, in the same read, at the next tick: other bytes there mean the log was
 * emptied in place and written past the old position meanwhile (logs.keep: 0, a flood trim, a full disk, a truncate).
 */
const TAIL_BYTES = 32;

interface ReadPosition {
  file: string;
  ino: number;
  offset: number;
  /** pid and start of the instance the position belongs to. */
  instance: string;
  /** The inode of file.1 at this read (rotationMark): another one at the next tick means a rotation moved lines. */
  rotated?: number | undefined;
  /** The TAIL_BYTES before offset as they were read (undefined after a jump): see TAIL_BYTES. */
  tail?: Buffer | undefined;
  /** The daemon's emptyings of the file done at this read (target.logEmptyings): another count means it was emptied. */
  emptied?: number | undefined;
}

/**
 * Reading rules: after an instance change the probe first reads what the previous instance wrote after
 * the last tick, up to the new instance's start (its last words, often the fatal line: a match there is
 * reported with previousInstance: true), then continues at target.logStartOffset (the log size when
 * the instance started) or, without it, at the end of the file. A shrunk file or a new inode
 * (truncation, rotation) is read from the start, and so is one emptied in place and grown past the old offset again
 * (logs.keep: 0, a flood trim: the last bytes read, TAIL_BYTES, differ when read again; an emptying by the daemon
 * itself is known for sure from target.logEmptyings, even when identical bytes came back at the old position). A new file.1 since the last tick (a rotation, copy-truncate or rename)
 * means the unread lines were moved: they are scanned there from the old offset (a fatal line written just before the
 * daemon's rotation was lost, and a file grown past the old offset again hid the rotation; after a flood's drop marker, the
 * offset moves with the kept lines); so are they in the file a rename moved the log to (a new inode: dateext, rename and
 * new file), found beside it by its inode. The live file's new bytes come first, the moved ones get what they leave of
 * maxBytesPerTick (one tick reads at most that). More than maxBytesPerTick new bytes: the oldest
 * are skipped (a chatty log must not make the probe fall behind). An unfinished last line waits
 * for the next tick. What the health watch already read at the instance's exit (log-probe-last-words.ts,
 * target.lastWordsReadTo) is not read again.
 */
export function createLogProbe(config: ProbeConfigOf<'log'>): Probe {
  const regex = new RegExp(config.pattern, config.flags);
  let position: ReadPosition | undefined;
  /**
   * A match in a previous instance's last output: reported at once without a start-up grace, else on this
   * instance's second tick (its first pass ends the grace, so the verdict is not swallowed).
   */
  let pending: { line: string; matches: number; file: string } | undefined;
  let ticksThisInstance = 0;

  return {
    kind: 'log',
    async check(target: ProbeTarget): Promise<ProbeResult> {
      const file = config.file ?? target.logFile;
      if (file === undefined) return { status: 'unknown', message: 'no log file to watch' };
      let st: Awaited<ReturnType<typeof stat>>;
      try {
        st = await stat(file);
      } catch (err) {
        // When it appears, it is a new file: read it from the start.
        position = { file, ino: -1, offset: 0, instance: instanceKey(target) };
        return { status: 'unknown', message: `cannot read log ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` };
      }
      const size = Number(st.size);
      const ino = Number(st.ino);
      const instance = instanceKey(target);
      // The daemon's count, taken before any read: an emptying done by now is seen in the reads below.
      const emptyings = file === target.logFile ? target.logEmptyings : undefined;
      const emptied = emptyings?.done;
      let restarted = false;
      let previous: { line: string; matches: number } | undefined;
      let moved: { line: string; matches: number; file: string } | undefined;
      /** Where a rotation or a rename moved the unread lines since the last tick, and the old read position in the oldest. */
      let movedGens: Array<{ file: string; size: number }> | undefined;
      let movedFrom = 0;
      if (emptyings !== undefined && emptyings.inFlight > 0 && position !== undefined && position.file === file && position.instance === instance) {
        // The daemon is emptying the log right now: read it once that is done (a read meanwhile would restart twice).
        return { status: 'success', message: `${file} is being emptied by clawback; read at the next tick`, details: { file, offset: position.offset, ...(position.rotated !== undefined ? { rotationMark: position.rotated } : {}) } };
      }
      const mark = await rotationMark(file);
      if (position === undefined || position.file !== file || position.instance !== instance) {
        ticksThisInstance = 0;
        const start = target.logStartOffset ?? size;
        // The dying instance's output since the last tick: read it to the end before moving on.
        const readAtExit = file === target.logFile ? (target.lastWordsReadTo ?? 0) : 0;
        if (position !== undefined && position.file === file && position.ino === ino && Math.max(position.offset, readAtExit) < Math.min(start, size)) {
          const from = Math.max(position.offset, readAtExit, Math.min(start, size) - config.maxBytesPerTick);
          previous = await scanRange(file, from, Math.min(start, size), regex).catch(() => undefined);
        }
        position = { file, ino, offset: start <= size ? start : 0, instance, rotated: mark };
        // The bytes before the first position, read once per instance, so an emptying before its first read is noticed too.
        if (position.offset > 0) position.tail = await readAt(file, Math.max(0, position.offset - TAIL_BYTES), Math.min(TAIL_BYTES, position.offset)).catch(() => undefined);
      } else if (mark !== undefined && mark !== position.rotated) {
        movedGens = await movedSince(file, position.rotated).catch(() => undefined);
        movedFrom = position.ino !== -1 ? position.offset : 0;
        restarted = position.ino !== -1;
        position = { ...position, ino, offset: 0, tail: undefined };
      } else if (position.ino !== ino || size < position.offset) {
        if (position.ino !== -1 && position.ino !== ino) {
          const renamed = await renamedTo(file, position.ino);
          if (renamed) (movedGens = [renamed]), (movedFrom = position.offset);
          else if (await isCopyOf(file, position)) movedFrom = -1;
        }
        restarted = position.ino !== -1 && movedFrom !== -1;
        position = movedFrom === -1 ? { ...position, ino } : { ...position, ino, offset: 0, tail: undefined };
        movedFrom = 0;
      } else if (emptied !== undefined && position.emptied !== undefined && emptied !== position.emptied) {
        // Emptied in place by the daemon since the last tick: all of it is new, even where the same bytes came back.
        restarted = position.offset > 0;
        position = { ...position, offset: 0, tail: undefined };
      }

      position.rotated = mark;
      position.emptied = emptied;
      if (previous) pending = { ...previous, file };
      ticksThisInstance++;
      const reportPending = (): ProbeResult | undefined => {
        // With a start-up grace, a failure on an instance's first tick would be swallowed: wait for its second.
        if (!pending || ticksThisInstance < (config.startupGrace > 0 ? 2 : 1)) return undefined;
        const p = pending;
        pending = undefined;
        const line = p.line.length > LINE_LIMIT ? `${p.line.slice(0, LINE_LIMIT)}…` : p.line;
        return {
          status: 'failure',
          finding: config.finding,
          message: `${p.file} (last output of the previous instance): ${line}`,
          value: p.matches,
          details: { file: p.file, line, matches: p.matches, pattern: config.pattern, previousInstance: true },
        };
      };

      let offset = position.offset;
      let skippedBytes = 0;
      if (size - offset > config.maxBytesPerTick) {
        skippedBytes = size - offset - config.maxBytesPerTick;
        offset = size - config.maxBytesPerTick;
      }
      let movedBytes = 0;
      if (movedGens) {
        const scan = await scanGenerations(movedGens, movedFrom, config.maxBytesPerTick - (size - offset), regex).catch(() => undefined);
        moved = scan?.found;
        movedBytes = scan?.read ?? 0;
        skippedBytes += scan?.skipped ?? 0;
      }
      if (offset >= size && !moved) {
        position.offset = offset;
        return reportPending() ?? { status: 'success', message: `no new lines in ${file}`, details: { file, offset, ...(mark !== undefined ? { rotationMark: mark } : {}) } };
      }

      // The bytes last read before the position come along in the same read: other bytes there mean the log was emptied
      // in place and written past the position again (its new start would be skipped unseen).
      const tail = offset === position.offset && position.tail !== undefined && position.tail.length <= offset ? position.tail : undefined;
      let head = tail?.length ?? 0;
      let buf: Buffer;
      try {
        buf = await readAt(file, offset - head, size - offset + head);
        if (tail && !buf.subarray(0, head).equals(tail)) {
          restarted = true;
          head = 0;
          offset = Math.max(0, size - config.maxBytesPerTick);
          skippedBytes = offset;
          buf = await readAt(file, offset, size - offset);
        }
      } catch (err) {
        return { status: 'unknown', message: `cannot read log ${file}: ${(err as Error).message}` };
      }
      const read = Math.max(0, buf.length - head);
      const chunk = buf.subarray(head, head + read);
      const lastNewline = chunk.lastIndexOf(0x0a);
      // An unfinished line waits for its end, unless it fills the whole read budget.
      const consumed = lastNewline >= 0 ? lastNewline + 1 : read >= config.maxBytesPerTick ? read : 0;
      position.offset = offset + consumed;
      position.tail = Buffer.from(buf.subarray(Math.max(0, head + consumed - TAIL_BYTES), head + consumed));

      const lines = chunk.subarray(0, consumed).toString('utf8').split('\n');
      let first: string | undefined = moved?.line;
      let matches = moved?.matches ?? 0;
      for (const raw of lines) {
        const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
        if (line !== '' && regex.test(line)) {
          matches++;
          first ??= line;
        }
      }
      const details = { file, offset: position.offset, bytesRead: consumed, skippedBytes, restartedFromTop: restarted, ...(movedBytes > 0 ? { movedBytesRead: movedBytes } : {}), ...(moved ? { rotatedFile: moved.file } : {}), ...(mark !== undefined ? { rotationMark: mark } : {}) };
      if (first === undefined) {
        const late = reportPending();
        if (late) return late;
        return { status: 'success', message: `no match for /${config.pattern}/ in ${consumed} new bytes of ${file}`, details };
      }
      const line = first.length > LINE_LIMIT ? `${first.slice(0, LINE_LIMIT)}…` : first;
      return {
        status: 'failure',
        finding: config.finding,
        message: `${moved?.file ?? file}: ${line}`,
        value: matches,
        details: { ...details, line, matches, pattern: config.pattern },
      };
    },
  };
}

/**
 * The lines a rotation moved since `mark` (the inode file.1 had at the last read): the generation that holds the old read
 * position from `from` on, newer ones whole; the newest `budget` bytes of them. The oldest match, with the match count and
 * the file it is in. The log probe's tick and an instance's last words at its exit both read them so.
 */
export async function scanMoved(file: string, mark: number | undefined, from: number, budget: number, regex: RegExp): Promise<{ line: string; matches: number; file: string } | undefined> {
  return (await scanGenerations(await movedSince(file, mark), from, budget, regex)).found;
}

/** What scanGenerations found, and how many moved bytes it read and left unread (past the budget). */
interface MovedScan {
  found?: { line: string; matches: number; file: string } | undefined;
  read: number;
  skipped: number;
}

/** scanMoved over given generations (oldest first; the oldest holds old offset `from`, found past a flood's drop marker). */
async function scanGenerations(gens: ReadonlyArray<{ file: string; size: number }>, from: number, budget: number, regex: RegExp): Promise<MovedScan> {
  if (gens.length === 0) return { read: 0, skipped: 0 };
  const oldest = gens[0]!;
  const at = Math.min(await offsetInCopy(oldest.file, from).catch(() => from), oldest.size);
  let found: { line: string; matches: number; file: string } | undefined;
  let matches = 0;
  let read = 0;
  let unread = 0;
  for (let i = gens.length - 1; i >= 0; i--) {
    const g = gens[i]!;
    const first = i === 0 ? at : 0;
    unread += g.size - first;
    if (budget <= 0) continue;
    const start = Math.max(first, g.size - budget);
    budget -= g.size - start;
    read += g.size - start;
    // One generation gone meanwhile (the next rotation) costs its own lines only.
    const hit = await scanRange(g.file, start, g.size, regex).catch(() => undefined);
    if (!hit) continue;
    matches += hit.matches;
    found = { ...hit, file: g.file };
  }
  return { found: found ? { ...found, matches } : undefined, read, skipped: unread - read };
}

/** The first matching line (and the number of matches) in [from, to) of a file; complete lines only, plus a last unterminated one. */
export async function scanRange(file: string, from: number, to: number, regex: RegExp): Promise<{ line: string; matches: number } | undefined> {
  const buf = await readAt(file, from, to - from);
  let first: string | undefined;
  let matches = 0;
  for (const raw of buf.toString('utf8').split('\n')) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line !== '' && regex.test(line)) {
      matches++;
      first ??= line;
    }
  }
  return first === undefined ? undefined : { line: first, matches };
}

/**
 * Whether a log with a new inode is the old one copied back (a log deleted under its service, its output moved back by
 * the daemon: src/observe/deleted-log.ts): the bytes last read sit before the old offset there (after a drop marker,
 * shifted by it); if so, `position` is moved to that offset, so lines already read are not reported twice. Read only
 * when the inode changed.
 */
async function isCopyOf(file: string, position: ReadPosition): Promise<boolean> {
  const tail = position.tail;
  if (tail === undefined || tail.length === 0) return false;
  try {
    const at = await offsetInCopy(file, position.offset);
    if (at < tail.length || !(await readAt(file, at - tail.length, tail.length)).equals(tail)) return false;
    position.offset = at;
    return true;
  } catch {
    return false;
  }
}

/** Up to `length` bytes of a file from `from` (fewer when it is shorter now). */
async function readAt(file: string, from: number, length: number): Promise<Buffer> {
  const buf = Buffer.alloc(Math.max(0, length));
  let read = 0;
  const fh = await open(file, 'r');
  try {
    while (read < buf.length) {
      const { bytesRead } = await fh.read(buf, read, buf.length - read, from + read);
      if (bytesRead === 0) break;
      read += bytesRead;
    }
  } finally {
    await fh.close();
  }
  return buf.subarray(0, read);
}

function instanceKey(target: ProbeTarget): string {
  return `${target.pid ?? '-'}:${target.startedAt ?? '-'}`;
}
