// An IPv6 API host went into URLs bare: `clawback status` said "API http://::ffff:127.0.0.1:PORT", no URL anyone can open.
import { describe, expect, it } from 'vitest';
import { urlHost } from '../../src/platform/url-host.js';
import { renderStatus } from '../../src/cli/cmd-status.js';

describe('urlHost', () => {
  it('brackets an IPv6 literal once, leaves names and IPv4 alone', () => {
    expect(urlHost('::1')).toBe('[::1]');
    expect(urlHost('::ffff:127.0.0.1')).toBe('[::ffff:127.0.0.1]');
    expect(urlHost('[::1]')).toBe('[::1]');
    expect(urlHost('127.0.0.1')).toBe('127.0.0.1');
    expect(urlHost('localhost')).toBe('localhost');
  });

  it("the status header's API address is a URL that parses to the daemon's host and port", () => {
    const status = { daemon: { pid: 1, version: '0.1.0', startedAt: 0, uptimeMs: 1000, configFile: null, stateDir: '/x', api: { host: '::ffff:127.0.0.1', port: 18790 } }, services: [] };
    const text = renderStatus(status as unknown as Parameters<typeof renderStatus>[0], false);
    const url = /API (\S+)/.exec(text)![1]!;
    const u = new URL(url);
    expect(u.hostname).toBe('[::ffff:7f00:1]');
    expect(u.port).toBe('18790');
  });
});
