// The API redacts the same status strings for every viewer: redact() remembers its answers (bounded), and forgets them
// as soon as it learns a secret, so an answer from before never shows a value that is now secret.
import { describe, expect, it } from 'vitest';
import { Redactor, REDACT_MEMO_MAX_TEXT } from '../../src/observe/redact.js';

/** A status shaped like GET /api/status with 100 services: names, probe messages, last lines. */
function status(): unknown {
  return {
    daemon: { version: '0.1.0', stateDir: '/var/lib/clawback', configFile: '/etc/clawback/clawback.yaml' },
    services: Array.from({ length: 100 }, (_, i) => ({
      name: `svc${i}`,
      state: 'running',
      command: ['/usr/bin/node', `/srv/app${i}/server.js`, '--port', String(4000 + i)],
      probes: [
        { name: 'http', kind: 'http', lastResult: { status: 'success', message: `GET http://127.0.0.1:${4000 + i}/health answered 200 in 3 ms` } },
        { name: 'memory', kind: 'memory', lastResult: { status: 'success', message: `RSS 48 MiB of the process tree (limit 1 GiB)` } },
      ],
      lastLines: Array.from({ length: 20 }, (_, j) => `2026-12-04T16:${String(j).padStart(2, '0')}:00Z info request ${j} from 127.0.0.1 served /api/items?page=${j} in 12ms`),
    })),
  };
}

describe('Redactor memo', () => {
  it('redacts a status it saw already from memory: no string is redacted afresh (the API does it for every viewer, every poll)', () => {
    // Counted, not timed (speed lives in bench/): the second pass must not run the patterns on any string again.
    const s = status();
    const r = new Redactor(['s3cr3t-token-value']);
    const internals = r as unknown as { redactNow(text: string): string };
    const original = internals.redactNow.bind(r);
    let fresh = 0;
    internals.redactNow = (text: string) => {
      fresh++;
      return original(text);
    };
    r.redactDeep(s);
    const firstPass = fresh;
    expect(firstPass).toBeGreaterThan(100);
    r.redactDeep(s);
    expect(fresh - firstPass).toBe(0);
  });

  it('gives the same answer from memory as fresh', () => {
    const s = status();
    const r = new Redactor(['s3cr3t-token-value']);
    const once = r.redactDeep(s);
    expect(r.redactDeep(s)).toEqual(once);
    expect(r.redactDeep(s)).toEqual(new Redactor(['s3cr3t-token-value']).redactDeep(s));
  });

  it('a secret learned after a text was redacted is hidden the next time (the memo is forgotten)', () => {
    const r = new Redactor();
    const line = 'connected with passphrase-value-9183 to the db';
    expect(r.redact(line)).toBe(line);
    r.addSecret('passphrase-value-9183');
    expect(r.redact(line)).toBe('connected with [REDACTED] to the db');
  });

  it('a text over the memo size limit is redacted every time, correctly', () => {
    const r = new Redactor(['s3cr3t-token-value']);
    const big = `${'x'.repeat(REDACT_MEMO_MAX_TEXT)} s3cr3t-token-value`;
    expect(r.redact(big)).toBe(`${'x'.repeat(REDACT_MEMO_MAX_TEXT)} [REDACTED]`);
    expect(r.redact(big)).toBe(`${'x'.repeat(REDACT_MEMO_MAX_TEXT)} [REDACTED]`);
  });
});
