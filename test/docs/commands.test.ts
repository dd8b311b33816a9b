// Every `clawback ...` command shown in README.md and docs/*.md exists with the flags shown, checked against the real
// commander tree (the same one `clawback --help` prints).
import { beforeAll, describe, expect, it } from 'vitest';
import type { Command, Option } from 'commander';
import { buildProgram } from '../../src/cli/program.js';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT, clawbackCommands, markdownFiles, readDoc } from './markdown.js';

/** Splits a documented command into words (honouring "..." and '...'), drops [ ] brackets, stops at > or a pipe. */
function words(command: string): string[] {
  const out: string[] = [];
  const tokens = command.replace(/\\\|/g, '|').match(/"[^"]*"|'[^']*'|\S+/g) ?? [];
  for (const raw of tokens) {
    if (raw === '|' || raw === '&' || raw === '&&' || /^\d?>/.test(raw)) break;
    const w = /^["']/.test(raw) ? raw.slice(1, -1) : raw.replace(/[[\]]/g, '');
    if (w) out.push(w);
  }
  return out;
}

function findOption(cmds: Command[], flag: string): Option | undefined {
  const name = flag.split('=')[0]!;
  for (const c of cmds) {
    const o = c.options.find((x) => x.long === name || x.short === name);
    if (o) return o;
  }
  return undefined;
}

/** Problems with one documented command line; [] when commander would accept its shape. */
export function checkCommand(program: Command, command: string): string[] {
  const w = words(command);
  if (w[0] !== 'clawback') return [`does not start with clawback`];
  let cmd = program;
  const chain: Command[] = [program];
  let positionals = 0;
  const problems: string[] = [];
  for (let i = 1; i < w.length; i++) {
    const word = w[i]!;
    if (word === '...' || word === '…') continue;
    if (word.startsWith('-')) {
      if (word === '--help' || word === '-h' || (cmd === program && (word === '--version' || word === '-V'))) continue;
      const opt = findOption(chain, word);
      if (!opt) {
        problems.push(`${chain.map((c) => c.name()).join(' ')}: no option ${word}`);
        continue;
      }
      if ((opt.required || opt.optional) && !word.includes('=') && i + 1 < w.length && !w[i + 1]!.startsWith('-')) i++;
      continue;
    }
    const alternatives = word.split('|');
    const subs = alternatives.map((a) => cmd.commands.find((c) => c.name() === a || c.aliases().includes(a)));
    if (positionals === 0 && subs.every((s) => s !== undefined)) {
      if (alternatives.length > 1) {
        // start|stop|restart|resume NAME: every alternative is its own command taking the rest.
        for (const s of subs) problems.push(...checkCommand(program, ['clawback', ...chain.slice(1).map((c) => c.name()), s!.name(), ...w.slice(i + 1)].join(' ')));
        return problems;
      }
      cmd = subs[0]!;
      chain.push(cmd);
      continue;
    }
    if (positionals === 0 && cmd.commands.length > 0 && cmd.registeredArguments.length === 0) {
      problems.push(`${chain.map((c) => c.name()).join(' ')}: no subcommand ${word}`);
      continue;
    }
    positionals++;
    const declared = cmd.registeredArguments;
    if (positionals > declared.length && !declared.at(-1)?.variadic) problems.push(`${chain.map((c) => c.name()).join(' ')}: takes ${declared.length} argument(s), the docs give "${word}"`);
  }
  // A bare name in prose (`clawback drill`) names the command; a usage line with arguments or flags must be complete.
  const usage = w.length > chain.length;
  const missing = cmd.registeredArguments.filter((a, idx) => a.required && idx >= positionals);
  if (usage && missing.length && !w.includes('--help')) problems.push(`${chain.map((c) => c.name()).join(' ')}: missing required argument ${missing.map((a) => a.name()).join(', ')}`);
  return problems;
}

let program: Command;
beforeAll(async () => {
  program = await buildProgram(undefined);
});

describe('commands shown in the docs', () => {
  it('the checker refuses what commander would refuse', () => {
    expect(checkCommand(program, 'clawback status --json')).toEqual([]);
    expect(checkCommand(program, 'clawback statsu')).not.toEqual([]);
    expect(checkCommand(program, 'clawback status --jsno')).not.toEqual([]);
    expect(checkCommand(program, 'clawback logs -f')).not.toEqual([]);
    expect(checkCommand(program, 'clawback start\\|stop\\|restart\\|resume NAME')).toEqual([]);
    expect(checkCommand(program, 'clawback start\\|stop\\|halt NAME')).not.toEqual([]);
    expect(checkCommand(program, 'clawback notify test [CHANNEL]')).toEqual([]);
    expect(checkCommand(program, 'clawback --state-dir /tmp/x status')).toEqual([]);
    // A usage block without a language, continued on indented [--flag] lines, is read as one command.
    const usage = clawbackCommands('x.md', ['```', 'clawback init --preset openclaw [--dry-run]', '              [--no-such-flag N]', '```'].join('\n'));
    expect(usage.map((c) => c.command)).toEqual(['clawback init --preset openclaw [--dry-run] [--no-such-flag N]']);
    expect(checkCommand(program, usage[0]!.command)).not.toEqual([]);
  });

  for (const file of markdownFiles()) {
    const found = clawbackCommands(file);
    if (found.length === 0) continue;
    it(`${file}: every command and flag exists`, () => {
      const problems = found.flatMap((c) => checkCommand(program, c.command).map((p) => `${file}:${c.line} \`${c.command}\`: ${p}`));
      expect(problems).toEqual([]);
    });
  }

  it("README's npm pack line installs the tarball npm pack makes (name and version)", () => {
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { name: string; version: string };
    const shown = [...readDoc('README.md').matchAll(/npm i(?:nstall)? -g \.\/(\S+\.tgz)/g)].map((m) => m[1]);
    expect(shown.length).toBeGreaterThan(0);
    for (const t of shown) expect(t).toBe(`${pkg.name}-${pkg.version}.tgz`);
  });

  it('README lists every top-level command in its Commands table', () => {
    const shown = new Set(clawbackCommands('README.md').map((c) => words(c.command)[1]?.split('|')).flat());
    const missing = program.commands.map((c) => c.name()).filter((n) => !shown.has(n));
    expect(missing).toEqual([]);
  });
});
