import { describe, expect, it } from 'vitest';
import { PairScratch, mannKendallZ, median, rSquared, theilSen, thinEvenly } from '../../src/predict/robust-stats.js';
import { SampleWindow } from '../../src/predict/sample-window.js';
import { rng } from './series.js';

describe('robust statistics', () => {
  it('median agrees with sorting, ties and even lengths included', () => {
    const r = rng(5);
    for (let n = 1; n < 80; n++) {
      const xs = Array.from({ length: n }, () => Math.floor(r() * 10));
      const sorted = [...xs].sort((a, b) => a - b);
      expect(median(xs)).toBe(n % 2 ? sorted[(n - 1) / 2] : (sorted[n / 2 - 1]! + sorted[n / 2]!) / 2);
    }
    expect(median([])).toBeNaN();
  });

  it('Theil–Sen shrugs off outliers that would drag a least-squares line', () => {
    const pts = Array.from({ length: 40 }, (_, i) => ({ x: i, y: 10 + 2 * i }));
    pts[5]!.y = 1000;
    pts[30]!.y = -500;
    const line = theilSen(pts);
    expect(line.slope).toBeCloseTo(2, 6);
    expect(line.intercept).toBeCloseTo(10, 6);
    expect(rSquared(pts.filter((_, i) => i !== 5 && i !== 30), line)).toBeCloseTo(1, 6);
  });

  it('Theil–Sen with a shared scratch buffer gives the same lines as with fresh arrays, whatever ran before', () => {
    const r = rng(11);
    const scratch = new PairScratch();
    // Sizes up and down: a big fit leaves stale slopes in the buffer that a smaller one must not see.
    for (const n of [240, 7, 120, 2, 241, 31, 240]) {
      const pts = Array.from({ length: n }, (_, i) => ({ x: i * 2.5, y: 5e7 + i * 300 + Math.floor(r() * 40) * 4096 }));
      if (n > 3) pts[1]!.x = pts[0]!.x; // a pair with dx = 0 is skipped
      expect(theilSen(pts, scratch)).toEqual(theilSen(pts));
    }
    // The points themselves are never reordered.
    const pts = [3, 1, 2].map((y, x) => ({ x, y }));
    theilSen(pts, scratch);
    expect(pts.map((p) => p.y)).toEqual([3, 1, 2]);
  });

  it('Mann–Kendall: a clean rise is significant, a constant series is not, ties are corrected', () => {
    expect(mannKendallZ(Array.from({ length: 30 }, (_, i) => i))).toBeGreaterThan(5);
    expect(mannKendallZ(Array.from({ length: 30 }, (_, i) => -i))).toBeLessThan(-5);
    expect(mannKendallZ(Array.from({ length: 30 }, () => 7))).toBe(0);
    const binary = [...Array<number>(20).fill(0), ...Array<number>(10).fill(1)];
    expect(mannKendallZ(binary)).toBeGreaterThan(4);
  });

  it('thinEvenly keeps first and last and at most max items', () => {
    const xs = Array.from({ length: 1000 }, (_, i) => i);
    const t = thinEvenly(xs, 300);
    expect(t).toHaveLength(300);
    expect(t[0]).toBe(0);
    expect(t.at(-1)).toBe(999);
    expect(thinEvenly([1, 2], 300)).toEqual([1, 2]);
  });
});

describe('SampleWindow', () => {
  it('is a bounded ring buffer, windowed by time, spacing-aware', () => {
    const w = new SampleWindow<{ t: number; v: number }>({ capacity: 3, minSpacingMs: 10 });
    for (let i = 0; i < 5; i++) expect(w.push({ t: i * 100, v: i })).toBe(true);
    expect(w.size).toBe(3);
    expect(w.within(400, 1000).map((s) => s.v)).toEqual([2, 3, 4]);
    expect(w.within(400, 150).map((s) => s.v)).toEqual([3, 4]);
    expect(w.push({ t: 405, v: 9 })).toBe(false);
    expect(w.push({ t: Number.NaN, v: 9 })).toBe(false);
    expect(() => new SampleWindow({ capacity: 1 })).toThrow(/capacity/);
  });
});
