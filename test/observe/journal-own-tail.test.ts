// A short journal append is cut back off the file only while it is still the file's tail: cut back to the size seen
// before writing, a second writer's line (the daemon and `clawback doctor` share the journal) that landed in between went
// with it (incidents6: 49-151 of 20 000 lines lost on a filling tmpfs with two writers, no trace).
import { closeSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cutOwnTail } from '../../src/observe/journal.js';
import { tempDir } from '../helpers/daemon.js';

function cutIn(content: string, ours: string): string {
  const file = path.join(tempDir('clawback-own-tail-'), 'journal.jsonl');
  writeFileSync(file, content);
  const fd = openSync(file, 'r+');
  try {
    cutOwnTail(fd, Buffer.from(ours));
  } finally {
    closeSync(fd);
  }
  return readFileSync(file, 'utf8');
}

describe('a short journal append', () => {
  it('is cut back off the file when it is still the tail', () => {
    expect(cutIn('{"a":1}\n{"ours":"par', '{"ours":"par')).toBe('{"a":1}\n');
  });

  it("leaves the file alone when another writer's line came after it (the torn part is ended by the next append)", () => {
    const content = '{"a":1}\n{"ours":"par{"theirs":2}\n';
    expect(cutIn(content, '{"ours":"par')).toBe(content);
  });

  it('leaves a file shorter than the part alone', () => {
    expect(cutIn('{"', '{"ours":"par')).toBe('{"');
  });
});
