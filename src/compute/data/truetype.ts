// A minimal TrueType reader: the outlines of a few characters, enough to render digits from a bundled
// font without any system font. Reads the table directory, `head` (units per em, loca format), `cmap`
// (format 4, the Unicode BMP map), `loca` and `glyf` (simple glyphs: contours of on- and off-curve
// points, quadratic B-splines). Composite glyphs are refused; the digits of the bundled fonts are simple.

/** A glyph as closed polygons in font units (y up), its curves flattened. */
export interface GlyphOutline {
  contours: [number, number][][];
  xMin: number;
  yMin: number;
  xMax: number;
  yMax: number;
}

export interface TrueTypeFont {
  unitsPerEm: number;
  glyph(char: string): GlyphOutline;
}

export function parseTrueType(bytes: Uint8Array, name = 'font'): TrueTypeFont {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tables = new Map<string, number>();
  const numTables = view.getUint16(4);
  for (let i = 0; i < numTables; i++) {
    const at = 12 + 16 * i;
    const tag = String.fromCharCode(bytes[at]!, bytes[at + 1]!, bytes[at + 2]!, bytes[at + 3]!);
    tables.set(tag, view.getUint32(at + 8));
  }
  const table = (tag: string): number => {
    const offset = tables.get(tag);
    if (offset === undefined) throw new Error(`${name}: no ${tag} table; expected a TrueType (glyf) font`);
    return offset;
  };
  const head = table('head');
  const unitsPerEm = view.getUint16(head + 18);
  const longLoca = view.getInt16(head + 50) === 1;
  const loca = table('loca');
  const glyf = table('glyf');

  // cmap: the (3, 1) or (0, x) subtable in format 4.
  const cmap = table('cmap');
  let format4: number | undefined;
  for (let i = 0; i < view.getUint16(cmap + 2); i++) {
    const platform = view.getUint16(cmap + 4 + 8 * i);
    const encoding = view.getUint16(cmap + 6 + 8 * i);
    const offset = cmap + view.getUint32(cmap + 8 + 8 * i);
    if (view.getUint16(offset) === 4 && ((platform === 3 && encoding === 1) || platform === 0)) format4 = offset;
  }
  if (format4 === undefined) throw new Error(`${name}: no Unicode cmap subtable in format 4`);
  const segments = view.getUint16(format4 + 6) / 2;
  const glyphIndex = (code: number): number => {
    const ends = format4! + 14;
    const starts = ends + 2 * segments + 2;
    const deltas = starts + 2 * segments;
    const ranges = deltas + 2 * segments;
    for (let s = 0; s < segments; s++) {
      if (code > view.getUint16(ends + 2 * s)) continue;
      const start = view.getUint16(starts + 2 * s);
      if (code < start) return 0;
      const delta = view.getInt16(deltas + 2 * s);
      const rangeOffset = view.getUint16(ranges + 2 * s);
      if (rangeOffset === 0) return (code + delta) & 0xffff;
      const g = view.getUint16(ranges + 2 * s + rangeOffset + 2 * (code - start));
      return g === 0 ? 0 : (g + delta) & 0xffff;
    }
    return 0;
  };
  const glyphOffset = (index: number): [number, number] =>
    longLoca ? [view.getUint32(loca + 4 * index), view.getUint32(loca + 4 * index + 4)] : [2 * view.getUint16(loca + 2 * index), 2 * view.getUint16(loca + 2 * index + 2)];

  const glyph = (char: string): GlyphOutline => {
    const index = glyphIndex(char.codePointAt(0)!);
    if (index === 0) throw new Error(`${name} has no glyph for "${char}"`);
    const [start, end] = glyphOffset(index);
    if (end === start) return { contours: [], xMin: 0, yMin: 0, xMax: 0, yMax: 0 };
    const at = glyf + start;
    const contourCount = view.getInt16(at);
    if (contourCount < 0) throw new Error(`${name}: "${char}" is a composite glyph, which this reader does not handle`);
    const box = { xMin: view.getInt16(at + 2), yMin: view.getInt16(at + 4), xMax: view.getInt16(at + 6), yMax: view.getInt16(at + 8) };
    const endPoints = Array.from({ length: contourCount }, (_, i) => view.getUint16(at + 10 + 2 * i));
    const points = contourCount ? endPoints[contourCount - 1]! + 1 : 0;
    let p = at + 10 + 2 * contourCount;
    p += 2 + view.getUint16(p); // skip the hinting instructions
    const flags: number[] = [];
    while (flags.length < points) {
      const f = bytes[p++]!;
      flags.push(f);
      if (f & 8) for (let r = bytes[p++]!; r > 0; r--) flags.push(f);
    }
    // Coordinates are deltas: a short (1 byte, sign in the flag) or a long (2 bytes) value, or a repeat.
    const coords = (shortBit: number, sameBit: number): number[] => {
      const out: number[] = [];
      let v = 0;
      for (const f of flags) {
        if (f & shortBit) {
          const d = bytes[p++]!;
          v += f & sameBit ? d : -d;
        } else if (!(f & sameBit)) {
          v += view.getInt16(p);
          p += 2;
        }
        out.push(v);
      }
      return out;
    };
    const xs = coords(2, 16);
    const ys = coords(4, 32);
    const contours: [number, number][][] = [];
    let first = 0;
    for (const last of endPoints) {
      contours.push(flattenContour(xs.slice(first, last + 1), ys.slice(first, last + 1), flags.slice(first, last + 1).map((f) => (f & 1) === 1)));
      first = last + 1;
    }
    return { contours, ...box };
  };
  return { unitsPerEm, glyph };
}

/**
 * A closed TrueType contour as a polygon: between two off-curve points lies an implied on-curve
 * midpoint; each off-curve point is the control of a quadratic Bezier, sampled at 8 steps.
 */
function flattenContour(xs: number[], ys: number[], on: boolean[]): [number, number][] {
  const n = xs.length;
  if (n === 0) return [];
  const pt = (i: number): [number, number] => [xs[(i + n) % n]!, ys[(i + n) % n]!];
  const isOn = (i: number) => on[(i + n) % n]!;
  const mid = (a: [number, number], b: [number, number]): [number, number] => [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2];
  // Start at an on-curve point (or the midpoint of the first two off-curve points).
  const startIndex = on.indexOf(true);
  const start: [number, number] = startIndex >= 0 ? pt(startIndex) : mid(pt(0), pt(1));
  const base = startIndex >= 0 ? startIndex : 0;
  const out: [number, number][] = [start];
  let current = start;
  for (let k = 1; k <= n; k++) {
    const i = base + k;
    if (isOn(i)) {
      current = pt(i);
      out.push(current);
      continue;
    }
    const control = pt(i);
    const next = isOn(i + 1) ? pt(i + 1) : mid(control, pt(i + 1));
    for (let s = 1; s <= 8; s++) {
      const t = s / 8;
      const u = 1 - t;
      out.push([u * u * current[0] + 2 * u * t * control[0] + t * t * next[0], u * u * current[1] + 2 * u * t * control[1] + t * t * next[1]]);
    }
    current = next;
    if (isOn(i + 1)) k++;
  }
  return out;
}
