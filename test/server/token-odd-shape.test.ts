// A FIFO or a link to /dev/zero in the API token's place was replaced by a new token without a word and not kept: the
// person who put it there (or the restore that did) never learned why their token stopped working. Anything not a
// regular file is now kept aside as evidence and named, as a directory is.
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { lstatSync, readdirSync, readlinkSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { ensureToken } from '../../src/server/token-issue.js';
import { readToken, tokenPath } from '../../src/server/token.js';
import { tempDir } from '../helpers/daemon.js';

const SHAPES: Array<[string, (file: string) => void, string]> = [
  ['a FIFO', (f) => execFileSync('mkfifo', [f]), 'a FIFO'],
  ['a link to /dev/zero', (f) => symlinkSync('/dev/zero', f), 'a link to a character device'],
  ['a link to nothing', (f) => symlinkSync('/nonexistent/clawback-token', f), 'a dangling link'],
];

describe('the API token in an odd shape', () => {
  it.each(SHAPES)('%s is kept aside, named once, and a token file written', (_name, make, was) => {
    const dir = tempDir();
    const file = tokenPath(dir);
    make(file);
    const said: string[] = [];
    const token = ensureToken(dir, undefined, (line) => said.push(line));
    expect(lstatSync(file).isFile()).toBe(true);
    expect(readToken(dir)).toBe(token);
    const aside = readdirSync(dir).filter((n) => n.startsWith('token.not-a-file-'));
    expect(aside, 'kept as evidence').toHaveLength(1);
    const kept = path.join(dir, aside[0]!);
    if (was !== 'a FIFO') expect(readlinkSync(kept), 'the link itself, not what it points at').toMatch(/^\/(dev\/zero|nonexistent)/);
    else expect(lstatSync(kept).isFIFO()).toBe(true);
    expect(said).toEqual([`the API token ${file} was ${was}, not a file: moved aside to ${kept} (kept as evidence) and a new token written`]);
    ensureToken(dir, undefined, (line) => said.push(line));
    expect(said, 'named once').toHaveLength(1);
  });
});
