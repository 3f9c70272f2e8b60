// Fills the upstream registry with the bench's images: built by the e2e test bed (umoci) and pushed with skopeo,
// except the 2 GB one, which is streamed in directly (see huge-image.ts).
import { buildImage, buildMultiArchImage, pushImage } from '@berth/e2e';
import { pushHugeImage } from './huge-image.ts';
import { describeImage, type SeededImage } from './seeded-image.ts';

export interface BenchImages {
  /** 10 MB in one layer: warm blob and manifest loads (with `multi`, a multi-arch index pulled through once). */
  small?: SeededImage;
  multi?: SeededImage;
  /** 200 MB in 4 layers: cold pulls. */
  big?: SeededImage;
  /** 2 GB in one layer: peak RSS. */
  huge?: SeededImage;
}

export type ImageName = keyof BenchImages;

export interface ImageSizes {
  smallLayer: number;
  bigLayers: number[];
  hugeLayer: number;
}

export const fullSizes: ImageSizes = { smallLayer: 10e6, bigLayers: [50e6, 50e6, 50e6, 50e6], hugeLayer: 2 * 1024 ** 3 };

/** Pushes the images named in `wanted` (building the others would only cost time). */
export async function seedUpstream(upstream: { url: string; host: string }, sizes: ImageSizes, wanted: ImageName[]): Promise<BenchImages> {
  const built = async (repo: string, build: () => ReturnType<typeof buildImage>): Promise<SeededImage> => {
    const image = await build();
    try {
      await pushImage(image, `${upstream.host}/${repo}:v1`);
    } finally {
      await image.dispose();
    }
    return describeImage(upstream.url, repo, 'v1');
  };
  const images: BenchImages = {};
  if (wanted.includes('small')) images.small = await built('library/small', () => buildImage({ layerSizes: [sizes.smallLayer] }));
  if (wanted.includes('multi')) images.multi = await built('library/multi', () => buildMultiArchImage({ layerSizes: [1e6] }));
  if (wanted.includes('big')) images.big = await built('library/big', () => buildImage({ layerSizes: sizes.bigLayers }));
  if (wanted.includes('huge')) images.huge = await pushHugeImage(upstream.url, 'library/huge', 'v1', sizes.hugeLayer);
  return images;
}
