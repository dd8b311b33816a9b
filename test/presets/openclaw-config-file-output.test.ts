// `openclaw config file` prints the path of the config it reads; a terminal-aware CLI may colour it or wrap it in a
// hyperlink (OSC 8): the path is read as plain text either way.
import { describe, expect, it } from 'vitest';
import { parseConfigFileOutput } from '../../src/presets/openclaw-detect.js';

describe('parseConfigFileOutput', () => {
  it('reads the last path, coloured or not, and expands ~', () => {
    expect(parseConfigFileOutput('Config file:\n\u001b[36m/home/u/.openclaw/openclaw.json\u001b[39m\n', '/home/u')).toBe('/home/u/.openclaw/openclaw.json');
    expect(parseConfigFileOutput('~/.openclaw/openclaw.json\n', '/home/u')).toBe('/home/u/.openclaw/openclaw.json');
    expect(parseConfigFileOutput('no config yet\n', '/home/u')).toBeUndefined();
  });

  it('a path wrapped in a hyperlink or after an erase-line is still found, without the escape bytes', () => {
    const linked = '\u001b]8;;file:///home/u/.openclaw/openclaw.json\u0007/home/u/.openclaw/openclaw.json\u001b]8;;\u0007\n';
    expect(parseConfigFileOutput(linked, '/home/u')).toBe('/home/u/.openclaw/openclaw.json');
    expect(parseConfigFileOutput('\u001b[2K\r~/.openclaw/openclaw.json\n', '/home/u')).toBe('/home/u/.openclaw/openclaw.json');
  });
});
