import { digestOf } from '../digest';
import { MediaTypes } from '../media-types';
import { ArchiveError } from './archive-error';
import type { ArchiveContents, ArchiveMember } from './contents';
import { buildImportPlan } from './plan';
import { sniffContent } from './sniff';

/**
 * The planner on archives described member by member (what the reader would have recorded), for the
 * cases real fixtures do not reach: nested indexes, attestations, zstd, mislabelled and unsupported blobs.
 */
const EMPTY_TAR = Buffer.alloc(1024);
const json = (value: unknown) => Buffer.from(JSON.stringify(value));
const hex = (digest: string) => digest.slice('sha256:'.length);

/** A member as the reader records it: tars get a (pretend) gzip copy, gzip/zstd an uncompressed digest. */
function member(name: string, bytes: Buffer, extra: Partial<ArchiveMember> = {}): ArchiveMember {
  const content = sniffContent(bytes);
  return {
    name,
    size: bytes.length,
    digest: digestOf(bytes),
    content,
    ...(content === 'json' ? { bytes } : {}),
    ...(content === 'tar' ? { compressed: { digest: digestOf(Buffer.concat([Buffer.from('gz'), bytes])), size: bytes.length + 2 } } : {}),
    ...extra,
  };
}
const blob = (bytes: Buffer, extra: Partial<ArchiveMember> = {}) => member(`blobs/sha256/${hex(digestOf(bytes))}`, bytes, extra);
const descriptor = (mediaType: string, bytes: Buffer, more: Record<string, unknown> = {}) => ({ mediaType, digest: digestOf(bytes), size: bytes.length, ...more });
const config = (diffIds: string[], architecture = 'amd64') => json({ architecture, os: 'linux', rootfs: { type: 'layers', diff_ids: diffIds } });

function oci(manifests: object[], blobs: ArchiveMember[]): ArchiveContents {
  return {
    members: [member('oci-layout', json({ imageLayoutVersion: '1.0.0' })), member('index.json', json({ schemaVersion: 2, manifests })), ...blobs],
    links: [],
  };
}

function image(layers: { bytes: Buffer; mediaType: string; diffId: string }[], architecture = 'amd64') {
  const cfg = config(
    layers.map((l) => l.diffId),
    architecture,
  );
  const manifest = json({ schemaVersion: 2, mediaType: MediaTypes.OciManifest, config: descriptor(MediaTypes.OciConfig, cfg), layers: layers.map((l) => descriptor(l.mediaType, l.bytes)) });
  return { cfg, manifest, blobs: [blob(cfg), blob(manifest)] };
}

const failure = (contents: ArchiveContents): ArchiveError => {
  try {
    buildImportPlan(contents);
  } catch (err) {
    if (err instanceof ArchiveError) return err;
    throw err;
  }
  throw new Error('planned');
};

describe('buildImportPlan (OCI layouts)', () => {
  const tarLayer = { bytes: EMPTY_TAR, mediaType: MediaTypes.OciLayer, diffId: digestOf(EMPTY_TAR) };
  const gz = Buffer.from([0x1f, 0x8b, 8, 0, 1, 2, 3]);
  const gzLayer = { bytes: gz, mediaType: MediaTypes.OciLayerGzip, diffId: digestOf('uncompressed') };

  it('rewrites a nested index whose child had an uncompressed layer, children first, platforms from the index', () => {
    const amd = image([tarLayer]);
    const arm = image([gzLayer], 'arm64');
    const inner = json({ schemaVersion: 2, mediaType: MediaTypes.OciIndex, manifests: [descriptor(MediaTypes.OciManifest, amd.manifest, { platform: { os: 'linux', architecture: 'amd64' } })] });
    const outer = json({
      schemaVersion: 2,
      mediaType: MediaTypes.OciIndex,
      manifests: [descriptor(MediaTypes.OciIndex, inner), descriptor(MediaTypes.OciManifest, arm.manifest, { platform: { os: 'linux', architecture: 'arm64' } })],
    });
    const plan = buildImportPlan(
      oci(
        [descriptor(MediaTypes.OciIndex, outer, { annotations: { 'org.opencontainers.image.ref.name': '1.0' } }), descriptor(MediaTypes.OciIndex, outer, { annotations: { 'org.opencontainers.image.ref.name': 'latest' } })],
        [...amd.blobs, ...arm.blobs, blob(EMPTY_TAR), blob(gz, { uncompressed: { digest: digestOf('uncompressed'), size: 12 } }), blob(inner), blob(outer)],
      ),
    );
    expect(plan.images).toHaveLength(1);
    const [only] = plan.images;
    expect(only).toMatchObject({ kind: 'index', sourceNames: ['1.0', 'latest'], platforms: ['linux/amd64', 'linux/arm64'], layers: 2, rewrittenFrom: digestOf(outer) });
    // amd's manifest, the inner index and the outer one change; arm's stays as it was
    expect(plan.manifests.map((m) => m.rewrittenFrom ?? 'kept')).toEqual([digestOf(amd.manifest), digestOf(inner), 'kept', digestOf(outer)]);
    expect(only.manifests).toEqual(plan.manifests.map((m) => m.digest));
    const rewrittenInner = JSON.parse(plan.manifests[1].body.toString());
    expect(rewrittenInner.manifests[0]).toMatchObject({ digest: plan.manifests[0].digest, size: plan.manifests[0].body.length, platform: { os: 'linux', architecture: 'amd64' } });
    expect(JSON.parse(plan.manifests[0].body.toString()).layers[0]).toEqual({ mediaType: MediaTypes.OciLayerGzip, digest: plan.blobs.find((b) => b.compressed)!.digest, size: 1026 });
    expect(plan.notes).toHaveLength(3);
  });

  it('imports a buildx attestation manifest (JSON layers) and leaves it out of the platforms', () => {
    const amd = image([gzLayer]);
    const statement = json({ _type: 'https://in-toto.io/Statement/v0.1' });
    const attestation = image([{ bytes: statement, mediaType: 'application/vnd.in-toto+json', diffId: digestOf(statement) }], 'unknown');
    const index = json({
      schemaVersion: 2,
      mediaType: MediaTypes.OciIndex,
      manifests: [
        descriptor(MediaTypes.OciManifest, amd.manifest, { platform: { os: 'linux', architecture: 'amd64' } }),
        descriptor(MediaTypes.OciManifest, attestation.manifest, { platform: { os: 'unknown', architecture: 'unknown' }, annotations: { 'vnd.docker.reference.type': 'attestation-manifest' } }),
      ],
    });
    const plan = buildImportPlan(oci([descriptor(MediaTypes.OciIndex, index)], [...amd.blobs, ...attestation.blobs, blob(gz, { uncompressed: { digest: digestOf('uncompressed'), size: 12 } }), blob(statement), blob(index)]));
    expect(plan.images[0]).toMatchObject({ digest: digestOf(index), platforms: ['linux/amd64'] });
    expect(plan.images[0].rewrittenFrom).toBeUndefined();
    expect(plan.manifests.every((m) => m.rewrittenFrom === undefined)).toBe(true);
  });

  it.each([
    [
      'a descriptor size that does not match the blob',
      () => {
        const amd = image([gzLayer]);
        const wrong = descriptor(MediaTypes.OciManifest, amd.manifest, { size: 3 });
        return oci([wrong], [...amd.blobs, blob(gz, { uncompressed: { digest: digestOf('uncompressed'), size: 12 } })]);
      },
      `size mismatch: entry 1 of index.json says`,
    ],
    [
      'an uncompressed tar with a media type that has no gzip form',
      () => {
        const amd = image([{ ...tarLayer, mediaType: 'application/vnd.example.tar' }]);
        return oci([descriptor(MediaTypes.OciManifest, amd.manifest)], [...amd.blobs, blob(EMPTY_TAR)]);
      },
      'layer 1 of entry 1 of index.json is an uncompressed tar with media type application/vnd.example.tar',
    ],
    [
      'a gzip layer that does not decompress',
      () => {
        const amd = image([gzLayer]);
        return oci([descriptor(MediaTypes.OciManifest, amd.manifest)], [...amd.blobs, blob(gz, { uncompressedError: 'unexpected end of file' })]);
      },
      'is not valid gzip: unexpected end of file',
    ],
    [
      'an index.json entry that is not a manifest',
      () => oci([descriptor(MediaTypes.OciLayerGzip, gz)], [blob(gz)]),
      'entry 1 of index.json has media type application/vnd.oci.image.layer.v1.tar+gzip, not an image manifest or index',
    ],
    [
      'a missing config',
      () => {
        const amd = image([gzLayer]);
        return oci([descriptor(MediaTypes.OciManifest, amd.manifest)], [amd.blobs[1], blob(gz, { uncompressed: { digest: digestOf('uncompressed'), size: 12 } })]);
      },
      'missing blob: the config of entry 1 of index.json references',
    ],
    ['an oci-layout of another version', () => ({ ...oci([], []), members: [member('oci-layout', json({ imageLayoutVersion: '2.0.0' })), member('index.json', json({ schemaVersion: 2, manifests: [] }))] }), 'oci-layout says imageLayoutVersion "2.0.0"'],
    ['an index.json listing nothing', () => oci([], []), 'the archive lists no images'],
    ['an index.json that is not an index', () => ({ members: [member('index.json', json({ schemaVersion: 2, config: {}, layers: [] }))], links: [] }), 'index.json is not a valid manifest'],
    ['a sha512 blob', () => ({ members: [member(`blobs/sha512/${'a'.repeat(128)}`, Buffer.from('x')), member('index.json', json({ schemaVersion: 2, manifests: [] }))], links: [] }), 'is named by a sha512 digest; Berth imports sha256 blobs only'],
  ])('refuses %s', (_, contents, message) => {
    expect(failure(contents()).message).toContain(message);
  });
});

describe('buildImportPlan (docker save)', () => {
  const docker = (layers: ArchiveMember[], diffIds: string[], repoTags: string[] | null = ['app:1']): ArchiveContents => {
    const cfg = config(diffIds);
    return {
      members: [member(`${hex(digestOf(cfg))}.json`, cfg), ...layers, member('manifest.json', json([{ Config: `${hex(digestOf(cfg))}.json`, RepoTags: repoTags, Layers: layers.map((l) => l.name) }]))],
      links: [],
    };
  };
  const zst = Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0, 0]);

  it('writes an OCI manifest when a layer is zstd (Docker has no zstd media type)', () => {
    const layer = member(`${'c'.repeat(64)}/layer.tar`, zst, { uncompressed: { digest: digestOf('z'), size: 1 } });
    const plan = buildImportPlan(docker([layer], [digestOf('z')]));
    const manifest = JSON.parse(plan.manifests[0].body.toString());
    expect([plan.images[0].mediaType, manifest.config.mediaType, manifest.layers[0].mediaType]).toEqual([MediaTypes.OciManifest, MediaTypes.OciConfig, MediaTypes.OciLayerZstd]);
  });

  it('refuses a layer that is not a tar, and a manifest.json that is not a list', () => {
    const notes = member(`${'c'.repeat(64)}/layer.tar`, Buffer.from('{"a":1}'));
    expect(failure(docker([notes], [digestOf('{"a":1}')])).message).toBe(
      `layer 1 of image 1 of manifest.json ("${'c'.repeat(64)}/layer.tar") is not a layer: it is JSON, not a tar archive`,
    );
    expect(failure({ members: [member('manifest.json', json({ Config: 'x' }))], links: [] }).message).toBe('manifest.json is not a JSON array of images');
  });

  it('takes names from the repositories file when RepoTags is empty', () => {
    const id = 'd'.repeat(64);
    const layer = member(`${id}/layer.tar`, EMPTY_TAR);
    const contents = docker([layer], [digestOf(EMPTY_TAR)], null);
    contents.members.push(member('repositories', json({ 'team/app': { '1.0': id } })));
    expect(buildImportPlan(contents).images[0].sourceNames).toEqual(['team/app:1.0']);
  });
});

describe('buildImportPlan: text PostgreSQL cannot store', () => {
  const tarLayer = { bytes: EMPTY_TAR, mediaType: MediaTypes.OciLayer, diffId: digestOf(EMPTY_TAR) };

  it('drops a docker save name with a NUL or lone surrogate (the image then asks for one): the plan is stored as jsonb', () => {
    const cfg = config([digestOf(EMPTY_TAR)]);
    const layer = member(`${'c'.repeat(64)}/layer.tar`, EMPTY_TAR);
    const plan = buildImportPlan({
      members: [member(`${hex(digestOf(cfg))}.json`, cfg), layer, member('manifest.json', json([{ Config: `${hex(digestOf(cfg))}.json`, RepoTags: ['app\u0000:1', '\ud800:2', 'app:3'], Layers: [layer.name] }]))],
      links: [],
    });
    expect(plan.images[0].sourceNames).toEqual(['app:3']);
  });

  it('refuses an index.json holding one as invalid metadata, not a crash', () => {
    const one = image([tarLayer]);
    const error = failure(oci([descriptor(MediaTypes.OciManifest, one.manifest, { annotations: { 'org.opencontainers.image.ref.name': 'v1\u0000' } })], [...one.blobs, blob(EMPTY_TAR)]));
    expect(error.message).toBe(
      'index.json is not a valid manifest: manifests[0].annotations.org.opencontainers.image.ref.name holds a NUL character or a lone UTF-16 surrogate, which this registry cannot store',
    );
  });

  it('refuses a manifest holding one as an archive problem, not a crash', () => {
    const cfg = config([digestOf(EMPTY_TAR)]);
    const manifest = json({
      schemaVersion: 2,
      mediaType: MediaTypes.OciManifest,
      config: descriptor(MediaTypes.OciConfig, cfg),
      layers: [descriptor(MediaTypes.OciLayer, EMPTY_TAR)],
      annotations: { note: 'a\u0000b' },
    });
    const error = failure(oci([descriptor(MediaTypes.OciManifest, manifest)], [blob(cfg), blob(manifest), blob(EMPTY_TAR)]));
    expect(error.message).toContain('holds a NUL character or a lone UTF-16 surrogate');
  });
});
