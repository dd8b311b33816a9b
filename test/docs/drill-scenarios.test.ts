// Every drill scenario the CLI accepts is listed by `clawback drill --help` (whole sentences), in the README's drill
// paragraph and in docs/drills.md's scenario table: a scenario added to the catalogue cannot stay undocumented.
import { describe, expect, it } from 'vitest';
import { SCENARIO_NAMES } from '../../src/drill/scenario-catalog.js';
import { runCli } from '../helpers/cli.js';
import { readDoc } from './markdown.js';

describe('drill scenarios in the help and the docs', () => {
  it('`clawback drill --help` lists every scenario with its fault, parentheses balanced', async () => {
    const r = await runCli(['drill', '--help'], { timeoutMs: 30_000 });
    expect(r.code).toBe(0);
    const section = r.stdout.slice(r.stdout.indexOf('Scenarios:'), r.stdout.indexOf('SCENARIO forms:'));
    expect(section.length).toBeGreaterThan(0);
    for (const name of SCENARIO_NAMES) {
      const line = section.split('\n').find((l) => l.trimStart().startsWith(`${name} `));
      expect(line, name).toBeDefined();
      const text = line!.trim().slice(name.length).trim();
      expect(text.length, name).toBeGreaterThan(10);
      expect((text.match(/\(/g) ?? []).length, `${name}: ${text}`).toBe((text.match(/\)/g) ?? []).length);
    }
    expect(r.stdout).toMatch(/comma-separated list/);
  });

  it("README's drill paragraph names every scenario", () => {
    const readme = readDoc('README.md');
    const para = readme.slice(readme.indexOf('SCENARIO is'), readme.indexOf('(`clawback drill --help`)'));
    expect(para.length).toBeGreaterThan(0);
    const listed = new Set(para.replace(/\s+/g, ' ').split(/[\s,:]+/));
    expect(SCENARIO_NAMES.filter((n) => !listed.has(n) && !listed.has(`${n}.`))).toEqual([]);
  });

  it('docs/drills.md has a row for every scenario', () => {
    const rows = new Set([...readDoc('docs/drills.md').matchAll(/^\| ([a-z-]+) \|/gm)].map((m) => m[1]));
    expect(SCENARIO_NAMES.filter((n) => !rows.has(n))).toEqual([]);
  });
});
