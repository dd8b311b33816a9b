// The gateway writes its JSON log under /tmp/openclaw only when that directory is safe for its user (else under
// <tmpdir>/openclaw-<uid>); the Level 3 prompt named /tmp/openclaw always, sending the agent to a log that was not there.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chownSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { resolveOpenclawTmpDir } from '../../src/presets/openclaw-tmp-dir.js';
import { openclawLayout } from '../../src/presets/openclaw-layout.js';


let dir: string;
let tmp: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'clawback-oc-tmp-'));
  tmp = path.join(dir, 'tmpdir');
  mkdirSync(tmp);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const uid = process.getuid?.();
const fallback = (): string => path.join(tmp, `openclaw-${uid}`);

/** Each case: the preferred root set up one way, and where the gateway puts its log. */
const CASES: Array<{ name: string; make: (p: string) => void; want: 'preferred' | 'fallback'; rootOnly?: boolean }> = [
  { name: 'missing, parent writable', make: () => {}, want: 'preferred' },
  { name: 'our own directory', make: (p) => mkdirSync(p, { mode: 0o700 }), want: 'preferred' },
  { name: 'a symlink to our own directory', make: (p) => { mkdirSync(`${p}-target`, { mode: 0o700 }); symlinkSync(`${p}-target`, p); }, want: 'fallback' },
  { name: 'a regular file', make: (p) => writeFileSync(p, ''), want: 'fallback' },
  { name: "another user's directory", make: (p) => { mkdirSync(p, { mode: 0o755 }); chownSync(p, 54321, 54321); }, want: 'fallback', rootOnly: true },
];

describe('where the OpenClaw gateway keeps its JSON log', () => {
  it.skipIf(uid === undefined)('follows the gateway rule for /tmp/openclaw, and the prompt names that file', () => {
    for (const [i, c] of CASES.entries()) {
      if (c.rootOnly && uid !== 0) continue;
      const preferred = path.join(dir, `case-${i}`, 'openclaw');
      mkdirSync(path.dirname(preferred));
      c.make(preferred);
      const got = resolveOpenclawTmpDir({ preferred, tmpdir: tmp });
      expect({ case: c.name, got }).toEqual({ case: c.name, got: c.want === 'preferred' ? preferred : fallback() });
      const layout = openclawLayout({ home: '/home/u', tmpDir: got, now: new Date('2026-03-04T10:00:00Z') });
      expect(layout.logFile).toBe(path.join(got, 'openclaw-2026-03-04.log'));
      expect(layout.notes.join('\n')).toContain(`JSON-lines log: ${path.join(got, 'openclaw-2026-03-04.log')}`);
    }
  });
});
