// The README's sentence on --json failures ("a failure still answers on stdout, one line a script can parse") listed
// the commands it holds for by hand, and missed `logs` and `digest` (and later ones): checked against the real
// commander tree, every command with a --json option is named there.
import { describe, expect, it } from 'vitest';
import type { Command } from 'commander';
import { buildProgram } from '../../src/cli/program.js';
import { readDoc } from './markdown.js';

/** "logs", "notify test", ...: every command (its path of names) that has a --json option. */
function jsonCommands(cmd: Command, prefix: string[] = []): string[][] {
  const out: string[][] = [];
  for (const c of cmd.commands) {
    const p = [...prefix, c.name()];
    if (c.options.some((o) => o.long === '--json')) out.push(p);
    out.push(...jsonCommands(c, p));
  }
  return out;
}

describe('README: the commands whose --json failure is one JSON line', () => {
  it('names every command that has --json', async () => {
    const readme = readDoc('README.md').replace(/\s+/g, ' ');
    const start = readme.indexOf('The commands that change things answer a script too');
    const end = readme.indexOf('a failure still answers on stdout', start);
    expect(start).toBeGreaterThan(-1);
    expect(end).toBeGreaterThan(start);
    const text = readme.slice(start, end);
    const spans = [...text.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);
    const missing = jsonCommands(await buildProgram(undefined))
      .filter((p) => !spans.some((s) => (p.length === 1 ? s.split(/[\s|]/)[0] === p[0] || s.split('|').includes(p[0]!) : s.startsWith(`${p[0]} `) && s.slice(p[0]!.length + 1).split(/[\s|]/).includes(p[1]!))))
      .map((p) => p.join(' '));
    expect(missing, 'commands with --json the README sentence does not name').toEqual([]);
  });
});
