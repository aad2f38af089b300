// Seeded mutations of a valid graph file, shared by the fuzz tests: truncation, deleted fields, wrong types,
// duplicated members, flipped bytes, and combinations of them.
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Path = (string | number)[];

export function allPaths(value: Json, prefix: Path = []): Path[] {
  const paths: Path[] = prefix.length > 0 ? [prefix] : [];
  if (Array.isArray(value)) value.forEach((item, index) => paths.push(...allPaths(item, [...prefix, index])));
  else if (value !== null && typeof value === 'object') for (const [key, item] of Object.entries(value)) paths.push(...allPaths(item, [...prefix, key]));
  return paths;
}

export function parentOf(root: Json, path: Path): { parent: Json[] | Record<string, Json>; key: string | number } {
  let cursor: Json = root;
  for (const key of path.slice(0, -1)) cursor = (cursor as Record<string, Json>)[key as string];
  return { parent: cursor as Json[] | Record<string, Json>, key: path[path.length - 1] };
}

export const WRONG_VALUES: Json[] = [null, 0, -1, 1.5, 1e308, '', 'x', 'condense.graph', true, false, [], {}, [1, 2], { id: 'n' }, 'a'.repeat(500), '../../etc/passwd'];

export type Mutation = (text: string, doc: Json, pick: () => number) => string;

export function choose<T>(items: T[], pick: () => number): T {
  return items[Math.floor(pick() * items.length)];
}

const structural = (edit: (parent: Json[] | Record<string, Json>, key: string | number, pick: () => number) => void): Mutation => {
  return (_text, doc, pick) => {
    const copy = structuredClone(doc);
    const { parent, key } = parentOf(copy, choose(allPaths(copy), pick));
    edit(parent, key, pick);
    return JSON.stringify(copy, null, pick() < 0.5 ? 2 : 0);
  };
};

export const MUTATIONS: Record<string, Mutation> = {
  truncate: (text, _doc, pick) => text.slice(0, Math.floor(pick() * text.length)),
  deleteField: structural((parent, key) => {
    if (Array.isArray(parent)) parent.splice(key as number, 1);
    else delete parent[key as string];
  }),
  wrongType: structural((parent, key, pick) => {
    (parent as Record<string, Json>)[key as string] = structuredClone(choose(WRONG_VALUES, pick));
  }),
  duplicate: structural((parent, key, pick) => {
    if (Array.isArray(parent)) parent.splice(key as number, 0, structuredClone(parent[key as number]));
    else {
      const keys = Object.keys(parent);
      parent[choose(keys, pick)] = structuredClone(parent[key as string]);
    }
  }),
  flipByte: (text, _doc, pick) => {
    const at = Math.floor(pick() * text.length);
    return `${text.slice(0, at)}${choose(['{', '}', '[', ']', '"', ',', ':', '\\', '\u0000', 'é', '9'], pick)}${text.slice(at + 1)}`;
  },
  combined: (text, doc, pick) => {
    const first = JSON.parse(MUTATIONS.wrongType(text, doc, pick)) as Json;
    return MUTATIONS[choose(['deleteField', 'duplicate', 'truncate'], pick)](JSON.stringify(first), first, pick);
  },
};

