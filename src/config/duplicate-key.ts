// yaml's "Map keys must be unique" named neither the key nor its first use: this says which key appears twice and where.
import YAML from 'yaml';

/** `key "name" appears twice in one mapping (first at line 2, col 5)`, for the duplicate whose key starts at offset; undefined if not found. */
export function duplicateKeyWords(text: string, offset: number): string | undefined {
  const lineCounter = new YAML.LineCounter();
  const doc = YAML.parseDocument(text, { lineCounter, merge: true, uniqueKeys: false });
  let words: string | undefined;
  YAML.visit(doc, {
    Map(_key, map) {
      const at = map.items.findIndex((p) => YAML.isNode(p.key) && p.key.range?.[0] === offset);
      if (at < 0) return undefined;
      const key = map.items[at]!.key as YAML.Node;
      const name = String(YAML.isScalar(key) ? key.value : key.toJSON());
      const first = map.items.slice(0, at).find((p) => YAML.isScalar(p.key) && String(p.key.value) === name);
      const firstAt = YAML.isNode(first?.key) && first.key.range ? lineCounter.linePos(first.key.range[0]) : undefined;
      words = `key ${JSON.stringify(name)} appears twice in one mapping${firstAt ? ` (first at line ${firstAt.line}, col ${firstAt.col})` : ''}: expected each key once; remove or rename one`;
      return YAML.visit.BREAK;
    },
  });
  return words;
}
