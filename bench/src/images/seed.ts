// Fills the upstream registry with the bench's images, once per run: the small and multi-arch ones built by the e2e
// test bed (umoci) and pushed with skopeo, the single-layer 100 MB and 1 GB ones streamed in directly (see
// streamed-image.ts).
import { buildImage, buildMultiArchImage, pushImage } from '@berth/e2e';
import { pushStreamedImage } from './streamed-image.ts';
import { describeImage, type SeededImage } from './seeded-image.ts';

export interface BenchImages {
  /** 10 MB in one layer, small enough for Berth's hot-memory cache: its own row, and the manifest loads. */
  small?: SeededImage;
  /** A multi-arch index pulled through once before the manifest loads. */
  multi?: SeededImage;
  /** 200 MB in 4 layers: cold pulls (skopeo, containerd, the kubelet). */
  big?: SeededImage;
  /** One image per warm layer size (100 MB, 1 GB), smallest first; the largest also serves the concurrent pulls. */
  layers?: SeededImage[];
}

export type ImageName = keyof BenchImages;

export interface ImageSizes {
  /** The layer Berth's hot-memory cache holds (16 MiB per blob). */
  smallLayer: number;
  bigLayers: number[];
  /** The warm blob loads' layers, beyond what the hot-memory cache holds. */
  warmLayers: number[];
}

export const fullSizes: ImageSizes = { smallLayer: 10e6, bigLayers: [50e6, 50e6, 50e6, 50e6], warmLayers: [100e6, 1e9] };
/** A quick run checks the bench, not Berth: one 50 MB layer stands in for both warm sizes. */
export const quickSizes: ImageSizes = { smallLayer: 10e6, bigLayers: [5e6, 5e6, 5e6, 5e6], warmLayers: [50e6] };

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
  if (wanted.includes('layers')) {
    images.layers = [];
    for (const bytes of [...sizes.warmLayers].sort((a, b) => a - b)) {
      images.layers.push(await pushStreamedImage(upstream.url, `library/layer-${Math.round(bytes / 1e6)}mb`, 'v1', bytes));
    }
  }
  return images;
}
