// A zero in an emergency bound read as "no limit" and silently meant none (budget.window: 0 counted no run): refused.
import { expect, it } from 'vitest';
import { emergencySchema } from '../../src/emergency/emergency-schema.js';

const base = { adapter: 'openai', baseUrl: 'http://127.0.0.1:1/v1' } as const;

function problems(input: Record<string, unknown>): Array<{ path: string; message: string }> {
  const r = emergencySchema.safeParse({ ...base, ...input });
  return r.success ? [] : r.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
}

it('budget.window 0 / 0s / 59s: refused naming the field, what it would do and what is expected', () => {
  for (const window of [0, '0s', '59s']) {
    const p = problems({ budget: { runs: 3, window } });
    expect(p).toHaveLength(1);
    expect(p[0]!.path).toBe('budget.window');
    expect(p[0]!.message).toMatch(/agent runs would have no limit: expected at least 1m/);
  }
  expect(problems({ budget: { runs: 3, window: '1m' } })).toEqual([]);
  // runs: 0 is the way to turn runs off, and stays accepted.
  expect(problems({ budget: { runs: 0, window: '24h' } })).toEqual([]);
});

it('verifyWindow 0: refused; 1ms and up accepted', () => {
  expect(problems({ verifyWindow: 0 })).toEqual([{ path: 'verifyWindow', message: expect.stringMatching(/expected at least 1ms/) }]);
  expect(problems({ verifyWindow: '500ms' })).toEqual([]);
});

it('approvalTimeout under 1s: refused only when approval is required', () => {
  expect(problems({ approval: 'required', approvalTimeout: 0 })).toEqual([{ path: 'approvalTimeout', message: expect.stringMatching(/gives nobody the time to approve.*expected at least 1s/) }]);
  expect(problems({ approval: 'none', approvalTimeout: 0 })).toEqual([]);
  expect(problems({ approval: 'required', approvalTimeout: '5m' })).toEqual([]);
});

it('the other bounds: maxTurns 0 / 201 / 1.5 and timeBox under 1s stay refused; huge durations are kept as given', () => {
  for (const maxTurns of [0, -1, 201, 1.5]) expect(problems({ maxTurns }).map((p) => p.path)).toEqual(['maxTurns']);
  expect(problems({ timeBox: 0 }).map((p) => p.path)).toEqual(['timeBox']);
  expect(problems({ timeBox: -5 }).map((p) => p.path)).toEqual(['timeBox']);
  const r = emergencySchema.parse({ ...base, timeBox: '30d', budget: { runs: 1, window: '365d' } });
  expect(r.timeBox).toBe(30 * 86_400_000);
});
