import { isHelmConfigMediaType, isImageConfigMediaType, summarizeHelmConfig, summarizeImageConfig, type Descriptor, type HelmChartSummary, type ImageConfigSummary } from '@berth/oci';
import type { StorageDriver } from '@berth/storage';
import { BlobLayout } from './blob-layout';

/**
 * An image manifest's config, read from storage and summarised; null when the manifest has no image
 * config or it is larger than `maxBytes`. Storage errors (a missing blob) are the caller's to handle.
 */
export async function readImageConfig(storage: StorageDriver, config: Descriptor | undefined, maxBytes: number): Promise<ImageConfigSummary | null> {
  if (!config || !isImageConfigMediaType(config.mediaType) || config.size > maxBytes) return null;
  return summarizeImageConfig(await storage.getContent(BlobLayout.blobData(config.digest)));
}

/** A Helm chart's config (Chart.yaml as JSON), read from storage; null when the manifest has none or it is larger than `maxBytes`. */
export async function readHelmChartConfig(storage: StorageDriver, config: Descriptor | undefined, maxBytes: number): Promise<HelmChartSummary | null> {
  if (!config || !isHelmConfigMediaType(config.mediaType) || config.size > maxBytes) return null;
  return summarizeHelmConfig(await storage.getContent(BlobLayout.blobData(config.digest)));
}
