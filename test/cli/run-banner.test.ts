// What `clawback run` prints at start: a dashboard link whose buttons work, and a warning about an outdated unit.
import { describe, expect, it } from 'vitest';
import { browsableHost } from '../../src/cli/cmd-run.js';
import { isLoopbackHost } from '../../src/server/auth.js';

describe('the printed dashboard host', () => {
  it('turns a wildcard bind into a loopback address and brackets IPv6 literals', () => {
    expect(browsableHost('0.0.0.0')).toBe('127.0.0.1');
    expect(browsableHost('::')).toBe('[::1]');
    expect(browsableHost('::1')).toBe('[::1]');
    expect(browsableHost('127.0.0.1')).toBe('127.0.0.1');
    expect(browsableHost('192.168.1.20')).toBe('192.168.1.20');
    expect(new URL(`http://${browsableHost('::')}:18790/`).port).toBe('18790');
    // A browser opening the link sends this host as its Origin and Host; a loopback bind takes only loopback Host names.
    for (const h of ['0.0.0.0', '::']) expect(isLoopbackHost(new URL(`http://${browsableHost(h)}:1/`).hostname.replace(/^\[|\]$/g, ''))).toBe(true);
  });
});

describe('a unit from an older install', () => {
  it('is named at start when a service manager runs the daemon without --keep-services-on-sigterm', async () => {
    const { olderUnitWarning } = await import('../../src/cli/cmd-run.js');
    expect(olderUnitWarning({ INVOCATION_ID: 'abc' }, false)).toMatch(/run by systemd without --keep-services-on-sigterm.*restart will stop every service.*clawback install/);
    expect(olderUnitWarning({ XPC_SERVICE_NAME: 'ai.clawback.daemon' }, false)).toMatch(/run by launchd/);
    expect(olderUnitWarning({ INVOCATION_ID: 'abc' }, true)).toBeUndefined();
    // A terminal (no service manager), or a launchd job of another program.
    expect(olderUnitWarning({}, false)).toBeUndefined();
    expect(olderUnitWarning({ XPC_SERVICE_NAME: 'application.com.apple.Terminal.123' }, false)).toBeUndefined();
  });
});
