// What a failed connection means: the daemon's own exhaustion (EMFILE...) is not the service being down.
import { describe, expect, it } from 'vitest';
import { connectionErrorResult } from '../../src/probes/network-outcome.js';

function connectError(code: string): Error {
  return Object.assign(new Error(`connect ${code} 127.0.0.1:28800 - Local (undefined:undefined)`), { code, syscall: 'connect' });
}

describe('connectionErrorResult', () => {
  it('a daemon out of descriptors or kernel memory could not run the probe: unknown, never a restart of a healthy service', () => {
    for (const code of ['EMFILE', 'ENFILE', 'ENOBUFS', 'ENOMEM']) {
      const r = connectionErrorResult('http: GET http://127.0.0.1:28800/health', connectError(code), 1);
      expect(r.status, code).toBe('unknown');
      expect(r.message).toContain('clawback is out of resources');
      expect(r.message).toContain(code);
      expect(r.details).toEqual({ code });
    }
  });

  it('a refused or reset connection is still the service down', () => {
    for (const code of ['ECONNREFUSED', 'ECONNRESET']) {
      const r = connectionErrorResult('tcp 127.0.0.1:28800', connectError(code), 1);
      expect(r.status, code).toBe('failure');
      expect(r.finding).toBe('down');
    }
  });
});
