// A minimal kustomize "build" for a plain base: the resources list, in order, as parsed YAML documents.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';

export interface ManifestDoc {
  file: string;
  index: number;
  object: Record<string, unknown>;
}

/** Every document of a (multi-document) YAML file; parse errors throw with the file name. */
export function readYamlDocuments(file: string): ManifestDoc[] {
  const docs = YAML.parseAllDocuments(readFileSync(file, 'utf8'));
  return docs.flatMap((doc, index) => {
    if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors[0]!.message}`);
    const object = doc.toJS() as Record<string, unknown> | null;
    return object === null ? [] : [{ file, index, object }];
  });
}

export interface Kustomization {
  resources: string[];
  images: Array<{ name: string; newName?: string; newTag?: string }>;
  raw: Record<string, unknown>;
}

export function readKustomization(dir: string): Kustomization {
  const raw = YAML.parse(readFileSync(path.join(dir, 'kustomization.yaml'), 'utf8')) as Record<string, unknown>;
  const unsupported = Object.keys(raw).filter((k) => !['apiVersion', 'kind', 'resources', 'images', 'labels', 'namespace'].includes(k));
  if (unsupported.length > 0) throw new Error(`kustomize-render does not handle ${unsupported.join(', ')}: extend it or the test`);
  return {
    resources: (raw.resources as string[] | undefined) ?? [],
    images: (raw.images as Kustomization['images'] | undefined) ?? [],
    raw,
  };
}

/** The base rendered by concatenation: what `kustomize build` emits, minus its transformers. */
export function renderBase(dir: string): ManifestDoc[] {
  return readKustomization(dir).resources.flatMap((r) => readYamlDocuments(path.join(dir, r)));
}
