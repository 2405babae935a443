import { createHash } from 'node:crypto';
import {
  exportDockerManifestJson,
  exportDockerRepositories,
  exportFileName,
  exportOciIndex,
  exportOciLayout,
  exportPlatformMatches,
  exportPlatformsOf,
  exportSelectPlatform,
  exportTarMemberBytes,
  exportUncompressedManifest,
  readExportConfig,
  type DockerExportImage,
} from './export';
import { layoutBlobPath } from './member-names';
import type { Descriptor } from '../descriptor';

const hex = (c: string) => c.repeat(64);
const digest = (c: string) => `sha256:${hex(c)}`;
const sha256 = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const json = (b: Buffer) => JSON.parse(b.toString('utf8'));

const app: DockerExportImage = {
  config: { digest: digest('c'), size: 1234 },
  layers: [
    { digest: digest('1'), size: 10240 },
    { digest: digest('2'), size: 2048 },
  ],
  names: [
    { repository: 'registry.example.com:5000/team-a/app', tag: '1.0' },
    { repository: 'registry.example.com:5000/team-a/app', tag: 'latest' },
  ],
};
const tool: DockerExportImage = {
  config: { digest: digest('d'), size: 99 },
  layers: [{ digest: digest('1'), size: 10240 }],
  names: [],
};

describe('docker archive members', () => {
  it('puts blobs under blobs/<algorithm>/<hex>, as Docker 25 and OCI layouts do', () => {
    expect(layoutBlobPath(digest('a'))).toBe(`blobs/sha256/${hex('a')}`);
    expect(() => layoutBlobPath('sha256:nothex')).toThrow();
    expect(json(exportOciLayout())).toEqual({ imageLayoutVersion: '1.0.0' });
  });

  it('writes manifest.json with one entry per image, paths into blobs/, tags as full references, untagged images with no RepoTags', () => {
    expect(json(exportDockerManifestJson([app, tool]))).toEqual([
      {
        Config: `blobs/sha256/${hex('c')}`,
        RepoTags: ['registry.example.com:5000/team-a/app:1.0', 'registry.example.com:5000/team-a/app:latest'],
        Layers: [`blobs/sha256/${hex('1')}`, `blobs/sha256/${hex('2')}`],
      },
      { Config: `blobs/sha256/${hex('d')}`, RepoTags: [], Layers: [`blobs/sha256/${hex('1')}`] },
    ]);
  });

  it('writes repositories as name -> tag -> top layer, leaving out untagged and layerless images', () => {
    const layerless: DockerExportImage = { config: { digest: digest('e'), size: 2 }, layers: [], names: [{ repository: 'team/empty', tag: '1' }] };
    expect(json(exportDockerRepositories([app, tool, layerless]))).toEqual({ 'registry.example.com:5000/team-a/app': { '1.0': hex('2'), latest: hex('2') } });
  });

  it('describes the image with an OCI manifest over the config as stored and the uncompressed layers', () => {
    const { content, descriptor } = exportUncompressedManifest(app);
    expect(json(content)).toEqual({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: digest('c'), size: 1234 },
      layers: [
        { mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: digest('1'), size: 10240 },
        { mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: digest('2'), size: 2048 },
      ],
    });
    expect(descriptor).toEqual({ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: sha256(content), size: content.length });
  });
});

describe('index.json', () => {
  const image: Descriptor = { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: digest('a'), size: 500, annotations: { stale: 'yes' }, platform: { os: 'linux', architecture: 'arm64' } };
  const index: Descriptor = { mediaType: 'application/vnd.oci.image.index.v1+json', digest: digest('b'), size: 300 };

  it('names each entry with the tag (as Docker 25 does) and the full name for containerd', () => {
    const doc = json(exportOciIndex([{ descriptor: image, names: [{ repository: 'host/team/app', tag: '1.0' }] }], 'tag'));
    expect(doc).toEqual({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [
        {
          mediaType: image.mediaType,
          digest: image.digest,
          size: 500,
          platform: { os: 'linux', architecture: 'arm64' },
          annotations: { 'io.containerd.image.name': 'host/team/app:1.0', 'org.opencontainers.image.ref.name': '1.0' },
        },
      ],
    });
  });

  it('repeats a descriptor per name, names full references when asked, and leaves untagged entries unnamed', () => {
    const doc = json(
      exportOciIndex(
        [
          { descriptor: index, names: [{ repository: 'team/app', tag: '1.0' }, { repository: 'team/app', tag: 'latest' }] },
          { descriptor: image, names: [] },
        ],
        'reference',
      ),
    );
    expect(doc.manifests.map((d: Descriptor) => [d.digest, d.annotations?.['org.opencontainers.image.ref.name'] ?? null])).toEqual([
      [digest('b'), 'team/app:1.0'],
      [digest('b'), 'team/app:latest'],
      [digest('a'), null],
    ]);
    expect(doc.manifests[2]).not.toHaveProperty('annotations');
  });
});

describe('readExportConfig', () => {
  const config = (rootfs: unknown) => Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs }));
  const platform = { os: 'linux', architecture: 'amd64' };

  it('reads rootfs.diff_ids in order', () => {
    expect(readExportConfig(config({ type: 'layers', diff_ids: [digest('1'), digest('2')] }))).toEqual({ diffIds: [digest('1'), digest('2')], platform });
    expect(readExportConfig(config({ type: 'layers' }))).toEqual({ diffIds: [], platform });
  });

  it('says what is wrong with a config it cannot use', () => {
    expect(readExportConfig(Buffer.from('not json'))).toEqual({ problem: 'the image config is not JSON' });
    expect(readExportConfig(config(undefined))).toEqual({ problem: 'the image config has no rootfs', platform });
    expect(readExportConfig(config({ type: 'other', diff_ids: [] }))).toEqual({ problem: `the image config's rootfs type is "other", not "layers"`, platform });
    expect(readExportConfig(config({ type: 'layers', diff_ids: 'x' }))).toEqual({ problem: "the image config's rootfs.diff_ids is not a list", platform });
    expect(readExportConfig(config({ type: 'layers', diff_ids: ['sha256:abc'] }))).toMatchObject({ problem: expect.stringContaining('not a sha256 digest') });
    expect(readExportConfig(Buffer.from('null'))).toEqual({ problem: 'the image config has no rootfs' });
  });

  it('reads the platform, with its variant, even from a config that names no layers', () => {
    const arm = Buffer.from(JSON.stringify({ architecture: 'arm64', os: 'linux', variant: 'v8', rootfs: { type: 'layers', diff_ids: [null] } }));
    expect(readExportConfig(arm)).toMatchObject({ platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } });
    expect(readExportConfig(Buffer.from(JSON.stringify({ os: 'linux', rootfs: { type: 'layers', diff_ids: null } })))).toEqual({ diffIds: [] });
  });
});

describe('platform selection', () => {
  const child = (platform: Descriptor['platform'], c: string, annotations?: Record<string, string>): Descriptor => ({
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    digest: digest(c),
    size: 1,
    platform,
    ...(annotations ? { annotations } : {}),
  });
  const children = [
    child({ os: 'linux', architecture: 'amd64' }, 'a'),
    child({ os: 'linux', architecture: 'arm', variant: 'v6' }, 'b'),
    child({ os: 'linux', architecture: 'arm', variant: 'v7' }, 'c'),
    child({ os: 'linux', architecture: 'arm64', variant: 'v8' }, 'd'),
    child({ os: 'unknown', architecture: 'unknown' }, 'e', { 'vnd.docker.reference.type': 'attestation-manifest' }),
  ];

  it('picks the child for os/architecture[/variant] and never an attestation', () => {
    expect(exportSelectPlatform(children, { os: 'linux', architecture: 'amd64' })?.digest).toBe(digest('a'));
    expect(exportSelectPlatform(children, { os: 'linux', architecture: 'arm', variant: 'v7' })?.digest).toBe(digest('c'));
    expect(exportSelectPlatform(children, { os: 'linux', architecture: 'arm64' })?.digest).toBe(digest('d'));
    expect(exportSelectPlatform(children, { os: 'linux', architecture: 'arm64', variant: 'v8' })?.digest).toBe(digest('d'));
    expect(exportSelectPlatform(children, { os: 'linux', architecture: 's390x' })).toBeUndefined();
    expect(exportSelectPlatform(children, { os: 'unknown', architecture: 'unknown' })).toBeUndefined();
  });

  it("reads arm64 without a variant as v8, and prefers the variant-less child when none is asked for", () => {
    expect(exportPlatformMatches({ os: 'linux', architecture: 'arm64' }, { os: 'linux', architecture: 'arm64', variant: 'v8' })).toBe(true);
    expect(exportPlatformMatches({ os: 'linux', architecture: 'arm' }, { os: 'linux', architecture: 'arm', variant: 'v7' })).toBe(false);
    const both = [child({ os: 'linux', architecture: 'arm', variant: 'v7' }, 'f'), child({ os: 'linux', architecture: 'arm' }, 'g')];
    expect(exportSelectPlatform(both, { os: 'linux', architecture: 'arm' })?.digest).toBe(digest('g'));
  });

  it('lists the runnable platforms for an error message', () => {
    expect(exportPlatformsOf(children)).toEqual(['linux/amd64', 'linux/arm/v6', 'linux/arm/v7', 'linux/arm64/v8']);
  });
});

describe('file names and sizes', () => {
  it('names a download after the repository and tag or digest, or the number of images', () => {
    expect(exportFileName([{ repository: 'team-a/app', tag: '1.0' }])).toBe('team-a_app_1.0.tar');
    expect(exportFileName([{ repository: 'team-a/tools/cli', digest: digest('f') }])).toBe(`team-a_tools_cli_sha256-${'f'.repeat(12)}.tar`);
    expect(exportFileName([{ repository: 'a/b', tag: '1' }, { repository: 'a/c', tag: '2' }])).toBe('berth-export_2-images.tar');
  });

  it('counts a tar member as a 512-byte header and its content padded to 512 bytes', () => {
    expect(exportTarMemberBytes(0)).toBe(512);
    expect(exportTarMemberBytes(1)).toBe(1024);
    expect(exportTarMemberBytes(512)).toBe(1024);
    expect(exportTarMemberBytes(513)).toBe(1536);
  });
});
