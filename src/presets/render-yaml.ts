// Writes a preset as a clawback.yaml a person can read: the same data, with a comment on each choice.
import YAML, { isMap, isScalar, isSeq, type Document, type YAMLMap } from 'yaml';

/** Comments keyed by a path into the document: ["services", 0, "probes"] etc.; "" is the header. */
export type CommentMap = Array<{ path: Array<string | number>; comment: string }>;

function pairFor(map: YAMLMap, key: string): { key: unknown } | undefined {
  return map.items.find((p) => (isScalar(p.key) ? p.key.value === key : p.key === key));
}

/** Attaches `comment` above the node at path (above the key when the path ends in a map key). */
function attach(doc: Document, at: Array<string | number>, comment: string): void {
  const parentPath = at.slice(0, -1);
  const last = at.at(-1);
  const parent = parentPath.length === 0 ? doc.contents : doc.getIn(parentPath, true);
  if (typeof last === 'string' && isMap(parent)) {
    const pair = pairFor(parent, last);
    if (!pair) return;
    if (!isScalar(pair.key)) pair.key = doc.createNode(pair.key);
    (pair.key as { commentBefore?: string | null }).commentBefore = comment;
    return;
  }
  if (typeof last === 'number' && isSeq(parent)) {
    const item = parent.items[last];
    if (item && typeof item === 'object') (item as { commentBefore?: string | null }).commentBefore = comment;
  }
}

/** Each comment line gets a leading space so it reads "# text". */
function lines(text: string): string {
  return text
    .split('\n')
    .map((l) => (l.length > 0 ? ` ${l}` : ''))
    .join('\n');
}

export function renderCommentedYaml(raw: Record<string, unknown>, header: string, comments: CommentMap): string {
  const doc = new YAML.Document(raw);
  doc.commentBefore = lines(header);
  for (const c of comments) attach(doc, c.path, lines(c.comment));
  return doc.toString({ lineWidth: 0 });
}
