// A key missing right in a multi-line JSON5 object (a top-level `meta` scalar a kept service doctor run added) could not
// be added in the file's text since the carried-value style change: the member was built as if a deeper object were
// needed, the edit was refused, and a kept run's result was written as plain JSON (the user's comments lost).
import { describe, expect, it } from 'vitest';
import JSON5 from 'json5';
import { setValuesInText } from '../../src/doctor/text-key-removal.js';

const TEXT = `// mine
{
  gateway: { mode: 'local' }, // keep
  skills: { entries: { weather: { enabled: true } } },
}
`;

describe('a value whose key is missing in a multi-line JSON5 object', () => {
  it('is added as one member in the object, in the file\'s own style, every other byte kept', () => {
    const expected = { ...JSON5.parse(TEXT), version: 'v2', port: 7 };
    const out = setValuesInText(TEXT, [{ path: 'version', value: 'v2' }, { path: 'port', value: 7 }], 'json5', expected);
    expect(out).toBeDefined();
    expect(JSON5.parse(out!)).toEqual(expected);
    expect(out).toContain("  version: 'v2',\n");
    expect(out).toContain('  port: 7,\n');
    expect(out!.startsWith("// mine\n{\n  gateway: { mode: 'local' }, // keep\n")).toBe(true);
  });
});
