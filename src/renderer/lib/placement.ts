// Where a node added from the palette goes: inside the part of the canvas the user is looking at, on the
// free spot nearest the middle, so it never lands out of sight. When the view has no free spot (zoomed in
// on a busy graph) it goes in the middle anyway: overlapping a neighbour beats being off screen. Pure.

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

const GAP = 20;

function overlaps(a: Box, b: Box): boolean {
  return a.x < b.x + b.width + GAP && b.x < a.x + a.width + GAP && a.y < b.y + b.height + GAP && b.y < a.y + a.height + GAP;
}

/**
 * The top-left corner for a node of `size` in `view` (flow coordinates) that overlaps none of `taken`:
 * candidates on a grid around the view's centre, nearest first, each wholly inside the view.
 */
export function freeSpotInView(view: Box, size: { width: number; height: number }, taken: readonly Box[]): { x: number; y: number } {
  const centre = { x: view.x + view.width / 2 - size.width / 2, y: view.y + view.height / 2 - size.height / 2 };
  const stepX = size.width / 4;
  const stepY = size.height / 4;
  const reachX = Math.floor(view.width / 2 / stepX);
  const reachY = Math.floor(view.height / 2 / stepY);
  const candidates: { x: number; y: number; distance: number }[] = [];
  for (let i = -reachX; i <= reachX; i++) {
    for (let j = -reachY; j <= reachY; j++) {
      const x = centre.x + i * stepX;
      const y = centre.y + j * stepY;
      const inside = x >= view.x && y >= view.y && x + size.width <= view.x + view.width && y + size.height <= view.y + view.height;
      if (inside) candidates.push({ x, y, distance: Math.hypot(i * stepX, j * stepY) });
    }
  }
  candidates.sort((a, b) => a.distance - b.distance);
  const free = candidates.find((c) => !taken.some((box) => overlaps({ ...c, ...size }, box)));
  const spot = free ?? centre;
  return { x: Math.round(spot.x), y: Math.round(spot.y) };
}
