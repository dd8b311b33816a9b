// The embedded demo's port follows $CLAWBACK_DEMO_PORT, and a later command on the same state dir finds it without the variable.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { demoConfig, demoPort, prepareDemoConfig, DEMO_PORT } from '../../src/config/demo-preset.js';
import { tempDir } from '../helpers/daemon.js';

describe('demo port', () => {
  it('the variable wins; else the port the daemon recorded in the state dir; else 18789', () => {
    const stateDir = tempDir();
    expect(demoPort({}, stateDir)).toBe(DEMO_PORT);
    prepareDemoConfig(stateDir, demoPort({ CLAWBACK_DEMO_PORT: '28999' }, stateDir));
    expect(readFileSync(path.join(stateDir, 'demo', 'port'), 'utf8').trim()).toBe('28999');
    // `clawback drill` run later without the variable polls the port the daemon uses.
    expect(demoPort({}, stateDir)).toBe(28999);
    expect((demoConfig(stateDir, demoPort({}, stateDir)).services as Array<{ port: number }>)[0]!.port).toBe(28999);
    expect(demoPort({ CLAWBACK_DEMO_PORT: '29000' }, stateDir)).toBe(29000);
    expect(() => demoPort({ CLAWBACK_DEMO_PORT: 'x' }, stateDir)).toThrow(/CLAWBACK_DEMO_PORT/);
  });
});
