// "Is P inside D": one answer for the drill, the retention sweep and the agent's directory lock (real files for links).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isStrictlyInside, isWithin, realPathAsFarAsExists, relativeWithin } from '../../src/platform/path-inside.js';
import { isInStateDir } from '../../src/drill/scenario-daemon.js';
import { shownRemoved } from '../../src/daemon/state-retention.js';
import { overlaps } from '../../src/emergency/workdir-lock.js';

describe('path inside a directory', () => {
  it('a name starting with two dots is inside; `..` and a sibling sharing the prefix are not', () => {
    expect(isStrictlyInside('/s/state', '/s/state/..x')).toBe(true);
    expect(isStrictlyInside('/s/state', '/s/state/..evidence/f')).toBe(true);
    expect(relativeWithin('/s/state', '/s/state/..x')).toBe('..x');
    expect(isStrictlyInside('/s/state', '/s/state/../x')).toBe(false);
    expect(isStrictlyInside('/s/state', '/s')).toBe(false);
    expect(isStrictlyInside('/s/state', '/s/state-other/x')).toBe(false);
    expect(isStrictlyInside('/s/state', '/s/state..x/y')).toBe(false);
  });

  it('D itself: within, not strictly inside; a trailing slash and a relative D are the same D', () => {
    expect(isWithin('/s/state', '/s/state')).toBe(true);
    expect(isStrictlyInside('/s/state', '/s/state/')).toBe(false);
    expect(isStrictlyInside('/s/state/', '/s/state/f')).toBe(true);
    expect(isStrictlyInside('rel/state', path.join(process.cwd(), 'rel', 'state', '..x'))).toBe(true);
    expect(isWithin('rel/state/.', 'rel/state')).toBe(true);
  });

  it('the agent lock: nested or equal directories overlap, `..x` inside too; siblings do not', () => {
    expect(overlaps('/w/app', '/w/app/..x')).toBe(true);
    expect(overlaps('/w/app/..x', '/w/app')).toBe(true);
    expect(overlaps('/w/app', '/w/app/')).toBe(true);
    expect(overlaps('/w/app', '/w/app2')).toBe(false);
  });

  it('the retention event names a removed `..x` copy in the state dir relative to it', () => {
    expect(shownRemoved('/s/state', '/s/state', '/s/state/..gateway.json.corrupt-1')).toBe('..gateway.json.corrupt-1');
    expect(shownRemoved('/s/link', '/s/state', '/s/state/gw.json.corrupt-1')).toBe('gw.json.corrupt-1');
    expect(shownRemoved('/s/state', '/s/state', '/home/u/gw.json.corrupt-1')).toBe('/home/u/gw.json.corrupt-1');
  });

  describe('through links (real files)', () => {
    let dir: string;
    beforeEach(async () => {
      dir = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'clawback-inside-')));
    });
    afterEach(async () => {
      await fs.rm(dir, { recursive: true, force: true });
    });

    it('a config reached through a link into the state dir (or a state dir that is a link) goes with the state dir', async () => {
      const state = path.join(dir, 'state');
      await fs.mkdir(state);
      await fs.writeFile(path.join(state, 'gw.json'), '{}');
      await fs.symlink(state, path.join(dir, 'cfg'));
      await fs.symlink(state, path.join(dir, 'state-link'));
      expect(isInStateDir(state, path.join(dir, 'cfg', 'gw.json'))).toBe(true);
      expect(isInStateDir(path.join(dir, 'state-link'), path.join(state, 'gw.json'))).toBe(true);
      expect(isInStateDir(state, path.join(state, '..gw.json'))).toBe(true);
      expect(isInStateDir(state, path.join(dir, 'gw.json'))).toBe(false);
      // Not created yet: placed by its existing ancestor's real path.
      expect(realPathAsFarAsExists(path.join(dir, 'cfg', 'new', 'x.json'))).toBe(path.join(state, 'new', 'x.json'));
    });
  });
});
