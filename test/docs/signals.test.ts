// What the docs say the daemon does on each signal matches src/cli/cmd-run.ts: SIGTERM/SIGINT stop the services,
// SIGUSR2 leaves them running, SIGHUP reloads the config (its behaviour: test/instances/cli-scale-reload.test.ts).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, markdownFiles, readDoc } from './markdown.js';

describe('signals in the docs', () => {
  it('cmd-run wires SIGHUP to a reload, not to a stop', () => {
    const run = readFileSync(path.join(ROOT, 'src', 'cli', 'cmd-run.ts'), 'utf8');
    expect(run).toMatch(/process\.on\('SIGHUP',[^]*?reloadConfig\(/);
    expect(run).not.toMatch(/process\.on\('SIGHUP', \(\) => shutdown\(/);
  });

  it('no paragraph says SIGHUP stops the services', () => {
    const wrong: string[] = [];
    for (const file of markdownFiles()) {
      for (const para of readDoc(file).split(/\n\s*\n/)) {
        for (const sentence of para.replace(/\n/g, ' ').split(/(?<=[.;])\s/)) {
          if (/SIGHUP/.test(sentence) && /\bstop the services\b/.test(sentence)) wrong.push(`${file}: ${sentence.trim()}`);
        }
      }
    }
    expect(wrong).toEqual([]);
    expect(readDoc('README.md')).toMatch(/SIGHUP reloads the config file/);
  });
});
