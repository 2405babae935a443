import { digestOf } from '../digest';
import { MediaTypes } from '../media-types';
import { formatPlatform } from '../platform';
import { ArchiveError } from './archive-error';
import { ArchiveIndex, parseJson } from './contents';
import { checkDiffIds, diffIdsOf, platformOfConfig } from './image-checks';
import { clip } from './member-names';
import { ImportPlan, PlanBuilder, PlannedImage } from './plan-builder';

interface ManifestEntry {
  Config: string;
  RepoTags: string[];
  Layers: string[];
}

/**
 * A `docker save` archive, classic (`<id>/layer.tar`, `<hex>.json`) or Docker 25+ (paths under
 * `blobs/sha256/`): one image per manifest.json entry, written as a Docker schema 2 manifest with the
 * layers as stored (uncompressed ones gzip-compressed by the reader). zstd layers have no Docker media
 * type, so an image with one is written as an OCI manifest instead.
 */
export function planDockerArchive(index: ArchiveIndex): ImportPlan {
  const entries = readManifestJson(index);
  const legacyNames = readRepositories(index);
  const plan = new PlanBuilder();
  const images: PlannedImage[] = entries.map((entry, i) => {
    const label = `image ${i + 1} of manifest.json`;
    const configMember = index.resolve(entry.Config, `the Config of ${label}`);
    const config = index.object(configMember, `the config of ${label}`);
    const diffIds = diffIdsOf(config, `the config of ${label} ("${clip(configMember.name)}")`);
    const layers = entry.Layers.map((path, j) => {
      const member = index.resolve(path, `layer ${j + 1} of ${label}`);
      return { ...index.layer(member, `layer ${j + 1} of ${label}`), name: member.name };
    });
    checkDiffIds(diffIds, layers, label);

    const oci = layers.some((l) => l.compression === 'zstd');
    const configDescriptor = { mediaType: oci ? MediaTypes.OciConfig : MediaTypes.DockerConfig, size: configMember.size, digest: configMember.digest };
    plan.addBlob({ digest: configMember.digest, size: configMember.size, member: configMember.name, compressed: false, role: 'config' });
    const layerDescriptors = layers.map((layer) => {
      plan.addBlob({ digest: layer.stored.digest, size: layer.stored.size, member: layer.name, compressed: layer.stored.compressed, role: 'layer', uncompressedSize: layer.uncompressedSize });
      const mediaType = !oci ? MediaTypes.DockerLayer : layer.compression === 'zstd' ? MediaTypes.OciLayerZstd : MediaTypes.OciLayerGzip;
      return { mediaType, size: layer.stored.size, digest: layer.stored.digest };
    });
    const mediaType = oci ? MediaTypes.OciManifest : MediaTypes.DockerManifest;
    const body = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType, config: configDescriptor, layers: layerDescriptors }, null, 3));
    const digest = digestOf(body);
    plan.addManifest({ digest, mediaType, body });
    const blobs = [configMember.digest, ...layerDescriptors.map((d) => d.digest)];
    const lastLegacyId = /^([0-9a-f]{64})\/layer\.tar$/.exec(entry.Layers[entry.Layers.length - 1] ?? '')?.[1];
    const sourceNames = entry.RepoTags.length > 0 ? entry.RepoTags : (lastLegacyId && legacyNames.get(lastLegacyId)) || [];
    const platform = platformOfConfig(config);
    return {
      index: i,
      kind: 'image',
      digest,
      mediaType,
      sourceNames,
      platforms: platform ? [formatPlatform(platform)] : [],
      size: plan.sizeOf(body.length, blobs),
      layers: new Set(layerDescriptors.map((d) => d.digest)).size,
      manifests: [digest],
      blobs: [...new Set(blobs)],
    };
  });
  const hybrid = index.has('index.json') || index.has('oci-layout');
  return plan.finish(hybrid ? 'docker-hybrid' : 'docker-classic', images);
}

function readManifestJson(index: ArchiveIndex): ManifestEntry[] {
  const member = index.resolve('manifest.json', 'the archive');
  const value = parseJson(index.json(member, 'manifest.json'), 'manifest.json');
  if (!Array.isArray(value)) throw new ArchiveError('invalid-metadata', 'manifest.json is not a JSON array of images');
  return value.map((entry, i) => {
    const where = `image ${i + 1} of manifest.json`;
    if (typeof entry !== 'object' || entry === null) throw new ArchiveError('invalid-metadata', `${where} is not an object`);
    const { Config, RepoTags, Layers } = entry as Record<string, unknown>;
    if (typeof Config !== 'string') throw new ArchiveError('invalid-metadata', `${where} has no Config path`);
    if (!Array.isArray(Layers) || !Layers.every((l) => typeof l === 'string')) throw new ArchiveError('invalid-metadata', `${where} has no Layers list of paths`);
    if (RepoTags !== undefined && RepoTags !== null && (!Array.isArray(RepoTags) || !RepoTags.every((t) => typeof t === 'string'))) {
      throw new ArchiveError('invalid-metadata', `${where} has a RepoTags that is not a list of names`);
    }
    return { Config, Layers: Layers as string[], RepoTags: (RepoTags as string[] | null | undefined) ?? [] };
  });
}

/** The classic `repositories` file (`{repo: {tag: <id of the top layer>}}`): names for entries whose RepoTags are empty. */
function readRepositories(index: ArchiveIndex): Map<string, string[]> {
  const names = new Map<string, string[]>();
  if (!index.has('repositories')) return names;
  const value = index.object(index.resolve('repositories', 'the archive'), 'repositories');
  for (const [repository, tags] of Object.entries(value)) {
    if (typeof tags !== 'object' || tags === null || Array.isArray(tags)) throw new ArchiveError('invalid-metadata', `repositories: "${clip(repository)}" does not map tags to layer ids`);
    for (const [tag, id] of Object.entries(tags as Record<string, unknown>)) {
      if (typeof id !== 'string') throw new ArchiveError('invalid-metadata', `repositories: ${clip(repository)}:${clip(tag)} does not name a layer id`);
      names.set(id, [...(names.get(id) ?? []), `${repository}:${tag}`]);
    }
  }
  return names;
}
