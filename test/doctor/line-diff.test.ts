import { describe, expect, it } from 'vitest';
import { lineDiff } from '../../src/doctor/line-diff.js';
import { globToRegExp } from '../../src/doctor/backup-candidates.js';

describe('lineDiff', () => {
  it('lists removed and added lines in file order, bounded', () => {
    const d = lineDiff('a\nb\nc\n', 'a\nB\nc\nd\n');
    expect(d).toMatchObject({ added: 2, removed: 1, truncated: false });
    expect(d.lines).toEqual(['- b', '+ B', '+ d']);
    const big = lineDiff('', Array.from({ length: 50 }, (_, i) => `l${i}`).join('\n'), 5);
    expect(big.lines).toHaveLength(5);
    expect(big.truncated).toBe(true);
  });
  it('a text created or emptied is its lines only, with or without a final newline (no "- " for the empty side)', () => {
    expect(lineDiff('', 'x')).toMatchObject({ added: 1, removed: 0, lines: ['+ x'] });
    expect(lineDiff('', 'x\ny\n')).toMatchObject({ added: 2, removed: 0, lines: ['+ x', '+ y'] });
    expect(lineDiff('{"a": 1}', '')).toMatchObject({ added: 0, removed: 1, lines: ['- {"a": 1}'] });
    expect(lineDiff('a\n', '')).toMatchObject({ added: 0, removed: 1, lines: ['- a'] });
    expect(lineDiff('', '')).toMatchObject({ added: 0, removed: 0, lines: [] });
  });
  it('a file that only gains or loses its final newline changes its last line, no stray empty-line entry', () => {
    expect(lineDiff('a\nb', 'a\nb\n')).toMatchObject({ added: 1, removed: 1, lines: ['- b (no newline at end of file)', '+ b'] });
    expect(lineDiff('a\nb\n', 'a\nb')).toMatchObject({ added: 1, removed: 1, lines: ['- b', '+ b (no newline at end of file)'] });
    expect(lineDiff('a\nb', 'a\nc\n')).toMatchObject({ added: 1, removed: 1, lines: ['- b (no newline at end of file)', '+ c'] });
    expect(lineDiff('a\nb', 'a\nc')).toMatchObject({ added: 1, removed: 1, lines: ['- b', '+ c'] });
    expect(lineDiff('a\n\n', 'a\n')).toMatchObject({ added: 0, removed: 1, lines: ['- '] });
  });
  it('identical text has no changes', () => {
    expect(lineDiff('x\ny', 'x\ny')).toMatchObject({ added: 0, removed: 0, lines: [] });
  });
});

describe('globToRegExp', () => {
  it('matches * and ? and nothing else specially', () => {
    expect(globToRegExp('openclaw.json.bak*').test('openclaw.json.bak.3')).toBe(true);
    expect(globToRegExp('openclaw.json.bak*').test('openclawXjson.bak')).toBe(false);
    expect(globToRegExp('cfg.?').test('cfg.1')).toBe(true);
  });
});
