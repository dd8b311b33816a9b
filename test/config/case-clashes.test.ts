// Service names that differ only in case passed everywhere: on macOS (case-insensitive APFS) "Web" and "web" shared
// logs/web.log, their doctor and emergency locks and learnings, silently merging two services. Refused where the
// state (or a logs) dir is case-insensitive; on a case-sensitive one they keep working, with a warning.
import { mkdirSync, statSync, writeFileSync, type Stats } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { caseInsensitiveDir, caseWarnings } from '../../src/config/case-clashes.js';
import { ConfigError } from '../../src/config/errors.js';
import { logFileClashes } from '../../src/config/log-file-clashes.js';
import { parseConfigSource, validateDeclared } from '../../src/config/load.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/daemon.js';

const TEXT = 'services:\n  - { name: web, command: [sleep, "1"] }\n  - { name: api, command: [sleep, "1"] }\n  - { name: Web, command: [sleep, "1"] }\n';

describe('service names equal but for case', () => {
  it('on a case-insensitive state dir: invalid config naming the field, both names and what was expected', () => {
    const declared = validateDeclared(parseConfigSource(TEXT, 'c.yaml'), 'c.yaml');
    let err: unknown;
    try {
      caseWarnings(declared, 'c.yaml', ['/state'], () => true);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const msg = (err as ConfigError).message;
    expect(msg).toContain('services[2].name: differs from services[0].name "web" only in case: on this case-insensitive file system');
    expect(msg).toContain('expected names that differ in more than case (got "Web")');
  });

  it('on a case-sensitive one (this Linux tmp dir): valid, and validate warns naming both', async () => {
    const dir = tempDir();
    expect(caseInsensitiveDir(dir)).toBe(false);
    const file = path.join(dir, 'clawback.yaml');
    writeFileSync(file, `stateDir: ./state\n${TEXT}`);
    const r = await runCli(['validate', '-c', file]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('warning: service "Web": services[2].name: differs from services[0].name "web" only in case: on a case-insensitive file system (macOS by default)');
  });

  it('the probe: same inode under the swapped case = insensitive; a path not created yet asks its parent; undecided = by platform', () => {
    const dir = tempDir();
    mkdirSync(path.join(dir, 'State'));
    // An APFS-like lookup: any case finds the same entry.
    const folding = (p: string): Stats => statSync(p.toLowerCase() === path.join(dir, 'state').toLowerCase() ? path.join(dir, 'State') : p);
    expect(caseInsensitiveDir(path.join(dir, 'State', 'not', 'yet'), 'linux', folding)).toBe(true);
    expect(caseInsensitiveDir(path.join(dir, 'State', 'not', 'yet'), 'darwin')).toBe(false);
    expect(caseInsensitiveDir('/', 'darwin')).toBe(true);
    expect(caseInsensitiveDir('/', 'linux')).toBe(false);
  });

  it('names that differ in more than case raise nothing', () => {
    const declared = validateDeclared(parseConfigSource('services:\n  - { name: web, command: [sleep, "1"] }\n  - { name: web2, command: [sleep, "1"] }\n', 'c.yaml'), 'c.yaml');
    expect(caseWarnings(declared, 'c.yaml', ['/state'], () => true)).toEqual([]);
  });

  it('"Daemon" is the daemon\'s own daemon.log on a case-insensitive state dir, and only there', () => {
    const declared = validateDeclared(parseConfigSource('services:\n  - { name: Daemon, command: [sleep, "1"] }\n', 'c.yaml'), 'c.yaml');
    expect(logFileClashes(declared, '/state', (d) => d, () => false)).toEqual([]);
    expect(logFileClashes(declared, '/state', (d) => d, () => true)[0]).toMatchObject({ path: 'services[0].name', value: 'Daemon' });
  });
});
