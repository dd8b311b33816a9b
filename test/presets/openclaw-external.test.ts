// Mode (b) building blocks: the service-manager commands and the parsing of their answers.
import { describe, expect, it } from 'vitest';
import { detectServiceManager, externalServiceCommands, parseExternalPid, parseExternalState } from '../../src/presets/openclaw-external.js';

describe('external service commands', () => {
  it('systemd: restart/pid through systemctl --user', () => {
    const c = externalServiceCommands('systemd');
    expect(c.restart).toEqual(['systemctl', '--user', 'restart', 'openclaw-gateway.service']);
    expect(c.pid).toEqual(['systemctl', '--user', 'show', '--property=MainPID', 'openclaw-gateway.service']);
  });
  it('launchd: kickstart -k in the gui domain of the uid', () => {
    const c = externalServiceCommands('launchd', { uid: 501, home: '/Users/u' });
    expect(c.restart).toEqual(['launchctl', 'kickstart', '-k', 'gui/501/ai.openclaw.gateway']);
    expect(c.pid).toEqual(['launchctl', 'print', 'gui/501/ai.openclaw.gateway']);
    expect(c.logHint).toBe('/Users/u/Library/Logs/openclaw/gateway.log');
  });
});

describe('parseExternalPid', () => {
  it('reads systemctl show output, with or without --value', () => {
    expect(parseExternalPid('systemd', 'MainPID=4242\n')).toBe(4242);
    expect(parseExternalPid('systemd', '4242\n')).toBe(4242);
    expect(parseExternalPid('systemd', 'MainPID=0\n')).toBeUndefined();
    expect(parseExternalPid('systemd', 'Failed to connect to bus: No medium found\n')).toBeUndefined();
  });
  it('reads the job pid from launchctl print, not other pids', () => {
    const out = ['gui/501/ai.openclaw.gateway = {', '\tactive count = 1', '\tstate = running', '\tpid = 777', '\tlast exit code = 0', '\tendpoints = {', '\t}', '}'].join('\n');
    expect(parseExternalPid('launchd', out)).toBe(777);
    expect(parseExternalState('launchd', out)).toBe('running');
    expect(parseExternalPid('launchd', '\tstate = not running\n\tlast exit pid = 12\n')).toBeUndefined();
    expect(parseExternalState('launchd', '\tstate = not running\n')).toBe('stopped');
  });
  it('reads ActiveState', () => {
    expect(parseExternalState('systemd', 'ActiveState=active')).toBe('running');
    expect(parseExternalState('systemd', 'ActiveState=failed')).toBe('stopped');
    expect(parseExternalState('systemd', '')).toBe('unknown');
  });
});

describe('detectServiceManager', () => {
  it('looks for the files `openclaw gateway install` writes', () => {
    const has = (f: string): boolean => f === '/h/.config/systemd/user/openclaw-gateway.service' || f === '/h/Library/LaunchAgents/ai.openclaw.gateway.plist';
    expect(detectServiceManager(has, '/h', 'linux')).toBe('systemd');
    expect(detectServiceManager(has, '/h', 'darwin')).toBe('launchd');
    expect(detectServiceManager(() => false, '/h', 'linux')).toBeUndefined();
  });
});

describe('node version fit', () => {
  it('follows openclaw engines >=24.16 <25 || >=26.1', async () => {
    const { nodeFitsOpenclaw, parseNodeVersion } = await import('../../src/presets/openclaw-detect.js');
    expect(nodeFitsOpenclaw(parseNodeVersion('v24.21.0\n')!)).toBe(true);
    expect(nodeFitsOpenclaw(parseNodeVersion('v24.15.0')!)).toBe(false);
    expect(nodeFitsOpenclaw(parseNodeVersion('v20.20.2')!)).toBe(false);
    expect(nodeFitsOpenclaw(parseNodeVersion('v25.1.0')!)).toBe(false);
    expect(nodeFitsOpenclaw(parseNodeVersion('v26.1.0')!)).toBe(true);
  });
});
