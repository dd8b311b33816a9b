// The process a tmux pane's output is piped into (pipe-pane): it keeps the output bounded on disk at any rate itself.
// A daemon that checked the file's size between polls let a flooding agent (`yes`) write 27 MB past a 2 MB cap.
//
// Usage: pane-writer BASE CAP. Writes generations BASE, BASE.1, BASE.2 ... of exactly CAP bytes each (the last one
// less) and removes the generation two back when a new one begins: at most 2 x CAP bytes on disk, the newest output
// always kept. At the end (the pipe closed, a signal) it writes BASE.end: {"total": bytes read, "generation": the
// last one, "unwritten": bytes read but not written (a write failed), "error"?: why}.
import { closeSync, renameSync, rmSync, writeSync } from 'node:fs';
import { writeNewFileSync } from '../platform/atomic-write.js';
import { REPLACE_NO_FOLLOW, openNoFollowSync } from '../platform/no-follow.js';
import { generationFile, paneEndFile } from './output-cap.js';

const base = process.argv[2];
const cap = Number(process.argv[3]);
if (!base || !Number.isInteger(cap) || cap <= 0) {
  process.stderr.write(`usage: pane-writer BASE CAP (CAP a positive whole number of bytes, got ${JSON.stringify(process.argv[3])})\n`);
  process.exit(2);
}

let generation = 0;
let inGeneration = 0;
let total = 0;
let unwritten = 0;
let error: string | undefined;
let fd: number | undefined;

const openGeneration = (): void => {
  try {
    fd = openNoFollowSync(generationFile(base, generation), REPLACE_NO_FOLLOW);
  } catch (e) {
    fd = undefined;
    error ??= (e as Error).message;
  }
};

const rotate = (): void => {
  if (fd !== undefined) closeSync(fd);
  generation++;
  inGeneration = 0;
  // Two back: the previous generation and this one hold the last CAP bytes at least.
  if (generation >= 2) {
    try {
      rmSync(generationFile(base, generation - 2), { force: true });
    } catch (e) {
      error ??= (e as Error).message;
    }
  }
  openGeneration();
};

const write = (chunk: Buffer): void => {
  total += chunk.length;
  let off = 0;
  while (off < chunk.length) {
    if (inGeneration >= cap) rotate();
    const n = Math.min(cap - inGeneration, chunk.length - off);
    if (fd === undefined) {
      // Nothing can be written (a full disk, the dir gone): the output is still read, or the pane would block.
      unwritten += n;
    } else {
      try {
        writeSync(fd, chunk, off, n);
      } catch (e) {
        error ??= (e as Error).message;
        unwritten += n;
      }
    }
    inGeneration += n;
    off += n;
  }
};

let ended = false;
const end = (): void => {
  if (ended) return;
  ended = true;
  if (fd !== undefined) closeSync(fd);
  const end = paneEndFile(base);
  try {
    // A new file (writeNewFileSync): one the disk refuses (full) is removed again, not left empty beside the output.
    rmSync(`${end}.tmp`, { force: true });
    writeNewFileSync(`${end}.tmp`, `${JSON.stringify({ total, generation, unwritten, ...(error ? { error } : {}) })}\n`);
    renameSync(`${end}.tmp`, end);
  } catch {
    // the reader then counts what it finds on disk
  }
  process.exit(0);
};

openGeneration();
process.stdin.on('data', (d: Buffer) => write(d));
process.stdin.on('end', end);
process.stdin.on('error', end);
for (const sig of ['SIGTERM', 'SIGHUP', 'SIGINT'] as const) process.on(sig, end);
