// CycleGAN's image pool (Shrivastava et al. 2017, as in CycleGAN's ImagePool): the discriminator is
// shown a mix of the newest fakes and older ones, which damps the oscillation of the two players.
// Until the pool is full every new image is stored and shown; after that each new image is, with
// probability 1/2, swapped for a random stored one (the stored one is shown, the new one kept), and
// otherwise shown itself.
import type { Rng } from '../graph/init.ts';

export class ImagePool {
  private readonly images: Float32Array[] = [];

  constructor(
    /** 0 disables the pool: the newest images pass through. */
    readonly size: number,
    private readonly rng: Rng,
  ) {}

  get stored(): number {
    return this.images.length;
  }

  /**
   * Takes a batch of `count` images of `imageSize` values each and writes the images to show into
   * `out` (same layout).
   */
  query(batch: Float32Array, count: number, imageSize: number, out: Float32Array): void {
    for (let i = 0; i < count; i++) {
      const image = batch.subarray(i * imageSize, (i + 1) * imageSize);
      const target = out.subarray(i * imageSize, (i + 1) * imageSize);
      if (this.size === 0) {
        target.set(image);
      } else if (this.images.length < this.size) {
        this.images.push(image.slice());
        target.set(image);
      } else if (this.rng() < 0.5) {
        const k = Math.floor(this.rng() * this.size);
        target.set(this.images[k]!);
        this.images[k] = image.slice();
      } else target.set(image);
    }
  }
}
