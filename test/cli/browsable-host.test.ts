// The dashboard link `clawback run` prints must open a page whose buttons work: a wildcard bind is reached on loopback.
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
    // A browser opening the link sends this host as its Origin; the API takes a POST only from a loopback origin.
    for (const h of ['0.0.0.0', '::']) expect(isLoopbackHost(new URL(`http://${browsableHost(h)}:1/`).hostname.replace(/^\[|\]$/g, ''))).toBe(true);
  });
});
