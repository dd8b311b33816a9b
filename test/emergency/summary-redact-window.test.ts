// A CLI agent's summary (its last 15 lines) is redacted in a window around the end, not over the whole 2 MB transcript.
import { describe, expect, it } from 'vitest';
import { lastLines, redactedLastLines } from '../../src/emergency/terminal-text.js';
import { Redactor } from '../../src/observe/redact.js';

const KEY = `sk-ant-api03-${'Zq'.repeat(40)}`;
const PEM = ['-----BEGIN RSA PRIVATE KEY-----', ...Array.from({ length: 60 }, (_, i) => `MIIEow${String(i).padStart(3, '0')}${'AbCd'.repeat(15)}`), '-----END RSA PRIVATE KEY-----'];

function transcript(): string {
  const lines: string[] = [];
  // ~2 MB before the end: key lines, long padded lines, blank lines.
  for (let i = 0; i < 3600; i++) lines.push(i % 3 === 0 ? `export ANTHROPIC_API_KEY=${KEY}   ` : i % 3 === 1 ? `step ${i} ${'x'.repeat(1100)}` : '   ');
  lines.push('the gateway config was fixed', ...PEM.slice(0, 50));
  lines.push(...PEM.slice(50), `token=${KEY}`, `password: hunter2-${'p'.repeat(20)}`, 'done');
  return lines.join('\n');
}

describe('the summary of an agent run', () => {
  it('redacts at most a 64 KiB window of a 2 MB transcript, and keeps what redacting it all would keep', () => {
    const text = transcript();
    expect(text.length).toBeGreaterThan(1_000_000);
    const redactor = new Redactor([KEY]);
    const seen: number[] = [];
    const tail = redactedLastLines(text, 15, (t) => {
      seen.push(t.length);
      return redactor.redact(t);
    });
    expect(seen.length).toBe(1);
    expect(seen[0]).toBeLessThanOrEqual(64 * 1024);
    expect(tail).toBe(lastLines(redactor.redact(text), 15));
    expect(tail).not.toContain('Zq'.repeat(6));
    expect(tail).not.toMatch(/AbCdAbCdAbCd/);
    expect(tail).toContain('done');
  });

  it('one line longer than the window: its last characters, redacted', () => {
    const text = `${'y'.repeat(3_000_000)} token=${KEY}\nok`;
    const redactor = new Redactor([KEY]);
    const tail = redactedLastLines(text, 15, (t) => redactor.redact(t));
    expect(tail).toBe(lastLines(redactor.redact(text), 15));
    expect(tail).not.toContain('Zq'.repeat(6));
  });
});
