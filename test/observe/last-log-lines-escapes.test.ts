// The Level 4 alert's "Last lines before the exit" (and the status and journal that quote the same lines) kept
// OpenClaw's colour codes as raw `\e[90m...` bytes: the lines are now read without terminal escape sequences
// (CSI colours and cursor moves, OSC titles and links), still redacted, from a real log file.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { lastLogLines } from '../../src/observe/last-log-lines.js';
import { Redactor } from '../../src/observe/redact.js';

const dirs: string[] = [];
afterEach(() => {
  while (dirs.length) rmSync(dirs.pop()!, { recursive: true, force: true });
});

function logFile(lines: string[]): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'clawback-last-lines-esc-'));
  dirs.push(dir);
  const file = path.join(dir, 'service.log');
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

describe('the last lines of a coloured service log', () => {
  it("are plain text: OpenClaw's colours, cursor moves and OSC links gone, words kept", async () => {
    const file = logFile([
      '\u001b[90m2026-12-05T01:51:57.657+00:00\u001b[39m \u001b[36m[gateway]\u001b[39m \u001b[36mloading configuration…\u001b[39m',
      '\u001b[2K\u001b[1G\u001b[?25lresolving authentication…',
      '\u001b]0;openclaw gateway\u0007\u001b]8;;https://docs.openclaw.ai/auth\u001b\\see the auth docs\u001b]8;;\u001b\\',
      '\u001b[1;31mRefusing to bind gateway to lan without auth.\u001b[0m',
      '\u001b[38;2;255;0;0m\u001b[0m',
    ]);
    const lines = await lastLogLines(file, 20, new Redactor());
    expect(lines).toEqual([
      '2026-12-05T01:51:57.657+00:00 [gateway] loading configuration…',
      'resolving authentication…',
      'see the auth docs',
      'Refusing to bind gateway to lan without auth.',
    ]);
    expect(lines.join('\n')).not.toMatch(/\u001b|\u0007/);
  });

  it('a coloured secret is still redacted', async () => {
    const file = logFile(['starting with --token \u001b[1mgwtok-7f3a9c1e5b2d8f4a6c0e\u001b[22m --port 18789']);
    const [line] = await lastLogLines(file, 5, new Redactor());
    expect(line).not.toContain('gwtok-7f3a9c1e5b2d8f4a6c0e');
    expect(line).toBe('starting with --token [REDACTED] --port 18789');
  });
});
