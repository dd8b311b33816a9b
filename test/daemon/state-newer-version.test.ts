// A state.json from a newer Clawback (a downgrade) is named as such, not called corrupt; both are kept aside, never lost.
import { describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { StateStore } from '../../src/daemon/state-store.js';
import { tempDir } from '../helpers/daemon.js';

describe('state.json this Clawback cannot read', () => {
  it('written by a newer version: moved aside as .v2-…, its bytes kept, said to be newer', () => {
    const dir = tempDir();
    mkdirSync(dir, { recursive: true });
    const text = JSON.stringify({ version: 2, services: { gw: { held: true } } });
    writeFileSync(path.join(dir, 'state.json'), text);
    const loaded = new StateStore(dir, () => Date.UTC(2026, 11, 2)).load();
    expect(loaded.newerVersion).toBe(2);
    expect(path.basename(loaded.corruptMovedTo!)).toMatch(/^state\.json\.v2-2026-12-02T/);
    expect(readFileSync(loaded.corruptMovedTo!, 'utf8')).toBe(text);
    expect(existsSync(path.join(dir, 'state.json'))).toBe(false);
    expect(loaded.state).toEqual({ version: 1, services: {} });
  });

  it('torn or of another shape: moved aside as .corrupt-…, with no version named', () => {
    for (const text of ['{"version": 1, "servi', '{"version": "two"}', 'null']) {
      const dir = tempDir();
      writeFileSync(path.join(dir, 'state.json'), text);
      const loaded = new StateStore(dir).load();
      expect(loaded.newerVersion).toBeUndefined();
      expect(path.basename(loaded.corruptMovedTo!)).toMatch(/^state\.json\.corrupt-/);
      expect(readFileSync(loaded.corruptMovedTo!, 'utf8')).toBe(text);
    }
  });
});
