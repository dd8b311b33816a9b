import { describe, expect, it } from 'vitest';
import { defaultProbeFor, probeSchema } from '../../src/probes/probe-schema.js';
import { formatBytes, parseByteSize } from '../../src/probes/byte-size.js';

describe('probe schema', () => {
  it('fills per-kind defaults and names the probe after its kind', () => {
    const http = probeSchema.parse({ kind: 'http', url: 'http://127.0.0.1:1/health' });
    expect(http).toMatchObject({ name: 'http', interval: 5000, timeout: 2000, failureThreshold: 3, successThreshold: 1, startupGrace: 30000, action: 'restart', method: 'GET' });
    const mem = probeSchema.parse({ kind: 'memory', limit: '200MB' });
    expect(mem).toMatchObject({ name: 'memory', interval: 1000, failureThreshold: 2, startupGrace: 0, action: 'restart', limit: 200_000_000 });
    expect(probeSchema.parse({ kind: 'log', pattern: 'EADDRINUSE', finding: 'port-in-use' })).toMatchObject({ action: 'notify', failureThreshold: 1, finding: 'port-in-use' });
    expect(probeSchema.parse({ kind: 'config' })).toMatchObject({ action: 'notify', timeout: 10000 });
    expect(probeSchema.parse({ kind: 'tcp', port: 80, name: 'gw-port', interval: '10s' })).toMatchObject({ name: 'gw-port', host: '127.0.0.1', interval: 10000 });
    expect(defaultProbeFor('process', {})).toMatchObject({ kind: 'process', name: 'process', action: 'restart' });
  });

  it.each([
    [{ kind: 'http', url: 'http://x/', timout: '1s' }, 'timout'],
    [{ kind: 'nope' }, 'kind'],
    [{ kind: 'http', url: 'ftp://x/' }, 'url'],
    [{ kind: 'http', url: 'http://x/', expectStatus: ['2x'] }, 'expectStatus'],
    [{ kind: 'memory' }, 'warn or limit'],
    [{ kind: 'memory', limit: 'lots' }, 'limit'],
    [{ kind: 'memory', warn: '2GB', limit: '1GB' }, 'warn'],
    [{ kind: 'log', pattern: '(' }, 'pattern'],
    [{ kind: 'log', pattern: 'x', flags: 'g' }, 'flags'],
    [{ kind: 'hang', url: 'http://x/', port: 1 }, 'port'],
    [{ kind: 'command', command: [] }, 'command'],
    [{ kind: 'tcp', port: 1, interval: '10ms' }, 'interval'],
    [{ kind: 'tcp', port: 1, action: 'reboot' }, 'action'],
  ])('rejects %j', (input, where) => {
    const r = probeSchema.safeParse(input);
    expect(r.success).toBe(false);
    expect(JSON.stringify(r.error?.issues)).toContain(where);
  });

  it('parses sizes', () => {
    expect(parseByteSize('200MB')).toBe(200_000_000);
    expect(parseByteSize('1.5GB')).toBe(1_500_000_000);
    expect(parseByteSize('512MiB')).toBe(512 * 1024 * 1024);
    expect(parseByteSize('512M')).toBe(512 * 1024 * 1024);
    expect(parseByteSize('1 kib')).toBe(1024);
    expect(parseByteSize(4096)).toBe(4096);
    expect(parseByteSize('4096')).toBe(4096);
    expect(parseByteSize('12 parsecs')).toBeUndefined();
    expect(parseByteSize(-1)).toBeUndefined();
    expect(formatBytes(512 * 1024 * 1024)).toBe('512 MiB');
  });
});
