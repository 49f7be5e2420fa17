/** Parses an SVG with fast-xml-parser and counts elements by tag and class. */
import {XMLParser, XMLValidator} from 'fast-xml-parser';

export type Node = Record<string, unknown>;

/** Parses `svg`, throwing if it is not well-formed XML; returns the root `<svg>` node. */
export function parseSvg(svg: string): Node {
  const valid = XMLValidator.validate(svg);
  if (valid !== true) throw new Error(`invalid XML: ${JSON.stringify(valid.err)}`);
  const doc = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '@',
    isArray: (_name: string, _path: unknown, _leaf: boolean, isAttribute: boolean) => !isAttribute,
  }).parse(svg) as Node;
  return (doc.svg as Node[])[0];
}

/** All elements named `tag` anywhere below `node` (depth first). */
export function findAll(node: Node, tag: string): Node[] {
  const out: Node[] = [];
  for (const [key, value] of Object.entries(node)) {
    if (key.startsWith('@') || key === '#text' || !Array.isArray(value)) continue;
    for (const child of value as Node[]) {
      if (child == null || typeof child !== 'object') continue;
      if (key === tag) out.push(child);
      out.push(...findAll(child, tag));
    }
  }
  return out;
}

/** Elements named `tag` with class `cls`. */
export function byClass(node: Node, tag: string, cls: string): Node[] {
  return findAll(node, tag).filter(n => n['@class'] === cls);
}

/** Number of drawing commands (M or L) in a path's `d`. */
export function pathPoints(d: unknown): number {
  return String(d)
    .split(/\s+/)
    .filter(s => /^[ML]/.test(s)).length;
}
