// A crash summary quotes the service's last words: the final lines of its log, redacted, read with a bounded tail.
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import type { Redactor } from './redact.js';
import { cutText } from '../platform/cut-text.js';
import { withoutEscapes } from '../platform/terminal-escapes.js';
import { unreadableLogText } from '../platform/log-refusal.js';
import { isMissing } from '../platform/errno-words.js';
import { NotRegularFileError, specialKind } from '../platform/read-regular.js';

/** Bytes read from the end of the file at most; a line longer than this is cut. */
const TAIL_BYTES = 64 * 1024;
const LINE_MAX = 500;
/** Lines read before the last n to find where a private key block began (a 4096-bit RSA key is 51 lines). */
const CONTEXT_LINES = 64;

/**
 * The last `want` bytes of `file` (fewer when it is shorter), its size, or undefined when it cannot be opened; `refused`
 * when it is there but may not be opened (isMissing: only a missing file is no output).
 */
async function readEnd(file: string, want: number): Promise<{ buf: Buffer; size: number } | { refused: unknown } | undefined> {
  let fh;
  try {
    // Without blocking: a FIFO in the log's place held one of libuv's four threads for ever, and the summary with it.
    fh = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    return isMissing(err) ? undefined : { refused: err };
  }
  try {
    const st = await fh.stat();
    // A directory or a FIFO in the log's place is not "no output": it is named, as a refused open is.
    if (!st.isFile()) return { refused: new NotRegularFileError(file, specialKind(st)) };
    const size = st.size;
    const from = Math.max(0, size - want);
    const buf = Buffer.alloc(size - from);
    let read = 0;
    while (read < buf.length) {
      const { bytesRead } = await fh.read(buf, read, buf.length - read, from + read);
      if (bytesRead === 0) break;
      read += bytesRead;
    }
    return { buf: buf.subarray(0, read), size };
  } catch (err) {
    return { refused: err };
  } finally {
    await fh.close().catch(() => undefined);
  }
}

/**
 * The last `bytes` of a service's output: the end of `file` and, when that holds fewer bytes (a rotation copied the log
 * to `file.1` and emptied it, maybe between the service's last words and its exit), the end of `file.1` before it.
 * `cut` says the text starts inside the output (its first line may be partial). Undefined when `file` is missing;
 * `refused` (its cause) when it is there but could not be read (EACCES, a directory, a FIFO): not "no output".
 */
export async function readLogTail(file: string, bytes: number): Promise<{ text: string; cut: boolean } | { refused: unknown } | undefined> {
  const live = await readEnd(file, bytes);
  if (!live || 'refused' in live) return live;
  if (live.size >= bytes) return { text: live.buf.toString('utf8'), cut: live.size > bytes };
  const older = await readEnd(`${file}.1`, bytes - live.buf.length);
  if (!older || 'refused' in older || older.buf.length === 0) return { text: live.buf.toString('utf8'), cut: false };
  return { text: Buffer.concat([older.buf, live.buf]).toString('utf8'), cut: older.size > older.buf.length };
}

/**
 * The last `n` non-empty lines of `file` (oldest first), without terminal escape sequences, each passed through the redactor and then cut to 500
 * UTF-16 units at a code point boundary (redacted first: a cut through a secret would leave a prefix no pattern
 * or known value matches any more). A missing file gives []; one there that may not be opened (mode 000 as another
 * uid, a link loop) gives one line naming it and the cause. Reads at most 64 KiB from the end, reaching
 * into `file.1` when a rotation has just emptied the live file (readLogTail).
 */
export async function lastLogLines(file: string, n: number, redactor: Pick<Redactor, 'redact'>): Promise<string[]> {
  if (n <= 0) return [];
  const tail = await readLogTail(file, TAIL_BYTES);
  if (!tail) return [];
  // Not quoted as "no last words": said as the one line the summary quotes.
  if ('refused' in tail) return [`[clawback: ${unreadableLogText(file, tail.refused, 'the daemon')}: its last lines are not known]`];
  let lines = tail.text.split('\n');
  // A partial first line (the read started mid-line) is dropped unless it is all there is.
  if (tail.cut && lines.length > 1) lines = lines.slice(1);
  // Redacted together with the lines before them (CONTEXT_LINES): the last lines may be the body of a private key
  // whose BEGIN line is further up, and only the whole block says they are one.
  // Without the service's colours and cursor moves (OpenClaw colours its output): an alert, the status and the journal
  // quoted them as raw `\e[90m...` bytes. Stripped before redaction, so a coloured secret is still recognised.
  const kept = lines
    .map((l) => withoutEscapes(l.endsWith('\r') ? l.slice(0, -1) : l))
    .filter((l) => l.trim() !== '')
    .slice(-(n + CONTEXT_LINES));
  if (kept.length === 0) return [];
  return redactor
    .redact(kept.join('\n'))
    .split('\n')
    .slice(-n)
    .map((l) => (l.length > LINE_MAX ? `${cutText(l, LINE_MAX)}…` : l));
}
