/**
 * Berth against a real registry client: images built by umoci (no daemon) are pushed and pulled with
 * skopeo, and every manifest and layer is compared byte-for-byte (by digest) with what was built.
 * skopeo logs in as admin (`--creds`, `--src-creds`, `--dest-creds`) and goes through the token flow;
 * identities and permissions are skopeo-auth.test.ts's subject.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { adminBasicAuth, createProjectsFor } from '../support/access';
import {
  addImageIndex,
  buildImage,
  BuiltImage,
  BuiltIndex,
  ImageManifest,
  initLayout,
  OciIndex,
  readJsonBlob,
  readVerifiedBlob,
  requireCommands,
  resolveRef,
  run,
  RunResult,
  sha256,
  tarFiles,
} from '../support/images';
import { startTestBerth, TEST_ADMIN_PASSWORD, TestBerth } from '../support/test-berth';

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
const DOCKER_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json';
const DOCKER_CONFIG = 'application/vnd.docker.container.image.v1+json';
const DOCKER_LAYER = 'application/vnd.docker.image.rootfs.diff.tar.gzip';

// --insecure-policy: accept any image without reading the host's /etc/containers/policy.json (signatures are not under test).
function skopeo(args: string[]): Promise<RunResult> {
  return run('skopeo', ['--insecure-policy', ...args], { timeoutMs: 30_000 });
}

describe('skopeo against Berth', () => {
  let work: string;
  let source: string;
  let berth: TestBerth;
  let amd: BuiltImage;
  let arm: BuiltImage;
  let multi: BuiltIndex;

  const ref = (repoAndTag: string) => `docker://${berth.host}/${repoAndTag}`;
  const CREDS = `admin:${TEST_ADMIN_PASSWORD}`;
  const copy = (from: string, to: string, ...flags: string[]) =>
    skopeo([
      'copy',
      '--src-tls-verify=false',
      '--dest-tls-verify=false',
      ...(from.startsWith('docker://') ? ['--src-creds', CREDS] : []),
      ...(to.startsWith('docker://') ? ['--dest-creds', CREDS] : []),
      ...flags,
      from,
      to,
    ]);
  const rawManifest = async (repoAndTag: string) => (await skopeo(['inspect', '--tls-verify=false', '--creds', CREDS, '--raw', ref(repoAndTag)])).stdout;
  const inspect = async (repoAndTag: string, ...flags: string[]) =>
    JSON.parse((await skopeo(['inspect', '--tls-verify=false', '--creds', CREDS, ...flags, ref(repoAndTag)])).stdout.toString('utf8')) as {
      Digest: string;
      Architecture: string;
      Os: string;
      Layers: string[];
      RepoTags: string[];
    };
  const listTags = async (repo: string) =>
    (JSON.parse((await skopeo(['list-tags', '--tls-verify=false', '--creds', CREDS, ref(repo)])).stdout.toString('utf8')) as { Tags: string[] }).Tags;
  const newDir = (name: string) => path.join(work, name);
  let pushes = 0;
  /** Copies to the registry and returns the digest of the manifest skopeo pushed (its --digestfile). */
  const push = async (from: string, to: string, ...flags: string[]) => {
    const digestFile = newDir(`pushed-${++pushes}.digest`);
    await copy(from, to, '--digestfile', digestFile, ...flags);
    return (await fs.readFile(digestFile, 'utf8')).trim();
  };

  /** The pulled image's config and layers are the built ones, and its layer holds the platform's file. */
  async function expectImageIntact(layout: string, manifest: ImageManifest, built: BuiltImage): Promise<void> {
    expect(manifest.config.digest).toBe(built.manifest.config.digest);
    expect(manifest.layers.map((l) => l.digest)).toEqual(built.manifest.layers.map((l) => l.digest));
    await readVerifiedBlob(layout, manifest.config.digest);
    const layers = await Promise.all(manifest.layers.map((l) => readVerifiedBlob(layout, l.digest)));
    const files = new Map(layers.flatMap((layer) => [...tarFiles(layer)]));
    expect(files.get(built.file.path)?.toString('utf8')).toBe(built.file.content);
  }

  beforeAll(async () => {
    await requireCommands();
    work = await fs.mkdtemp(path.join(os.tmpdir(), 'berth-skopeo-'));
    source = newDir('source');
    await initLayout(source);
    amd = await buildImage(source, {
      ref: 'amd',
      architecture: 'amd64',
      filePath: 'etc/berth-platform',
      fileContent: 'built for linux/amd64\n',
      cmd: ['/bin/sh', '-c', 'cat /etc/berth-platform'],
    });
    arm = await buildImage(source, {
      ref: 'arm',
      architecture: 'arm64',
      filePath: 'etc/berth-platform',
      fileContent: 'built for linux/arm64\n',
      cmd: ['/bin/sh', '-c', 'cat /etc/berth-platform'],
    });
    multi = await addImageIndex(source, 'multi', [amd, arm]);
    berth = await startTestBerth();
    await createProjectsFor(berth, ['team/app', 'other/app', 'docker/app']);
  });

  afterAll(async () => {
    await berth?.close();
    if (work) await fs.rm(work, { recursive: true, force: true });
  });

  it('builds two distinct single-layer images with umoci', () => {
    expect(amd.manifest.layers).toHaveLength(1);
    expect(arm.manifest.layers).toHaveLength(1);
    expect(amd.manifest.layers[0].digest).not.toBe(arm.manifest.layers[0].digest);
    expect(multi.index.manifests.map((d) => [d.digest, d.platform])).toEqual([
      [amd.digest, { architecture: 'amd64', os: 'linux' }],
      [arm.digest, { architecture: 'arm64', os: 'linux' }],
    ]);
  });

  it('pushes a single-platform OCI image and pulls back the same manifest and layers', async () => {
    expect(await push(`oci:${source}:amd`, ref('team/app:1.0'))).toBe(amd.digest);

    const raw = await rawManifest('team/app:1.0');
    expect(sha256(raw)).toBe(amd.digest);
    expect(raw.equals(amd.bytes)).toBe(true);
    const inspected = await inspect('team/app:1.0');
    expect(inspected.Digest).toBe(amd.digest);
    expect([inspected.Os, inspected.Architecture]).toEqual(['linux', 'amd64']);
    expect(inspected.Layers).toEqual(amd.manifest.layers.map((l) => l.digest));

    const pulled = newDir('pull-app');
    await copy(ref('team/app:1.0'), `oci:${pulled}:app`);
    const top = await resolveRef(pulled, 'app');
    expect(top.digest).toBe(amd.digest);
    expect(top.mediaType).toBe(OCI_MANIFEST);
    expect((await readVerifiedBlob(pulled, top.digest)).equals(amd.bytes)).toBe(true);
    await expectImageIntact(pulled, await readJsonBlob<ImageManifest>(pulled, top.digest), amd);
  });

  it('pushes a two-platform OCI index with --all and pulls every platform back intact', async () => {
    expect(await push(`oci:${source}:multi`, ref('team/multi:1.0'), '--all')).toBe(multi.digest);

    const raw = await rawManifest('team/multi:1.0');
    expect(sha256(raw)).toBe(multi.digest);
    expect(raw.equals(multi.bytes)).toBe(true);
    const index = JSON.parse(raw.toString('utf8')) as OciIndex;
    expect(index.mediaType).toBe(OCI_INDEX);
    expect(index.manifests.map((d) => [d.mediaType, d.digest, d.platform])).toEqual([
      [OCI_MANIFEST, amd.digest, { architecture: 'amd64', os: 'linux' }],
      [OCI_MANIFEST, arm.digest, { architecture: 'arm64', os: 'linux' }],
    ]);
    expect((await inspect('team/multi:1.0')).Digest).toBe(multi.digest);
    // skopeo picks the child for the platform it is asked for
    const armView = await inspect('team/multi:1.0', '--override-os', 'linux', '--override-arch', 'arm64');
    expect(armView.Architecture).toBe('arm64');
    expect(armView.Layers).toEqual(arm.manifest.layers.map((l) => l.digest));

    const pulled = newDir('pull-multi');
    await copy(ref('team/multi:1.0'), `oci:${pulled}:multi`, '--all');
    const top = await resolveRef(pulled, 'multi');
    expect(top.digest).toBe(multi.digest);
    expect(top.mediaType).toBe(OCI_INDEX);
    expect((await readVerifiedBlob(pulled, top.digest)).equals(multi.bytes)).toBe(true);
    for (const built of [amd, arm]) {
      const bytes = await readVerifiedBlob(pulled, built.digest);
      expect(bytes.equals(built.bytes)).toBe(true);
      await expectImageIntact(pulled, JSON.parse(bytes.toString('utf8')) as ImageManifest, built);
    }
  });

  it('copies between tags and across repositories, mounting the layer instead of re-uploading it', async () => {
    await copy(ref('team/app:1.0'), ref('team/app:latest'));
    expect((await inspect('team/app:latest')).Digest).toBe(amd.digest);

    const { stderr } = await copy(ref('team/app:1.0'), ref('other/app:1.0'), '--debug');
    const layer = amd.manifest.layers[0].digest;
    const mount = `/v2/other/app/blobs/uploads/?from=team%2Fapp&mount=${encodeURIComponent(layer)}`;
    expect(stderr).toContain(`Trying to mount ${mount}`);
    expect(stderr).toContain('... mount OK');
    expect(stderr).not.toMatch(new RegExp(`PUT \\S+/v2/other/app/blobs/uploads/\\S+digest=${encodeURIComponent(layer)}`));
    expect(sha256(await rawManifest('other/app:1.0'))).toBe(amd.digest);
  });

  it('lists tags', async () => {
    expect(await listTags('team/app')).toEqual(['1.0', 'latest']);
    expect(await listTags('other/app')).toEqual(['1.0']);
    expect(await listTags('team/multi')).toEqual(['1.0']);
  });

  it('deletes a manifest by digest through its tag; the other repository still pulls', async () => {
    // skopeo resolves the tag and sends DELETE /v2/team/app/manifests/<digest>
    const { stderr } = await skopeo(['delete', '--tls-verify=false', '--creds', CREDS, '--debug', ref('team/app:latest')]);
    expect(stderr).toContain(`DELETE http://${berth.host}/v2/team/app/manifests/${amd.digest}`);

    // Deleting the manifest takes every tag that pointed at it (latest and 1.0) with it.
    await expect(skopeo(['inspect', '--tls-verify=false', '--creds', CREDS, ref('team/app:latest')])).rejects.toThrow(/manifest unknown/i);
    await expect(skopeo(['inspect', '--tls-verify=false', '--creds', CREDS, `${ref('team/app')}@${amd.digest}`])).rejects.toThrow(/manifest unknown/i);
    expect(await listTags('team/app')).toEqual([]);

    const url = `${berth.url}/v2/team/app/manifests/${amd.digest}`;
    const accept = [OCI_MANIFEST, OCI_INDEX, DOCKER_MANIFEST, DOCKER_LIST].join(', ');
    const head = await fetch(url, { method: 'HEAD', headers: { Accept: accept, Authorization: adminBasicAuth() } });
    expect(head.status).toBe(404);
    // A HEAD answer has no body, so the error code is read from the same request as a GET.
    const get = await fetch(url, { headers: { Accept: accept, Authorization: adminBasicAuth() } });
    expect(get.status).toBe(404);
    const body = (await get.json()) as { errors: { code: string }[] };
    expect(body.errors.map((e) => e.code)).toEqual(['MANIFEST_UNKNOWN']);

    const pulled = newDir('pull-other');
    await copy(ref('other/app:1.0'), `oci:${pulled}:app`);
    const top = await resolveRef(pulled, 'app');
    expect(top.digest).toBe(amd.digest);
    await expectImageIntact(pulled, await readJsonBlob<ImageManifest>(pulled, top.digest), amd);
  });

  it('pushes and pulls a Docker schema 2 image (--format v2s2)', async () => {
    const pushed = await push(`oci:${source}:amd`, ref('docker/app:1.0'), '--format', 'v2s2');

    const raw = await rawManifest('docker/app:1.0');
    const manifest = JSON.parse(raw.toString('utf8')) as ImageManifest;
    expect(manifest.mediaType).toBe(DOCKER_MANIFEST);
    expect(manifest.config.mediaType).toBe(DOCKER_CONFIG);
    expect(manifest.layers.map((l) => l.mediaType)).toEqual([DOCKER_LAYER]);
    const digest = sha256(raw);
    expect(digest).toBe(pushed);
    expect((await inspect('docker/app:1.0')).Digest).toBe(digest);

    // An OCI layout would convert the manifest to OCI; the dir: transport keeps the bytes as served.
    const pulled = newDir('pull-docker-app');
    await copy(ref('docker/app:1.0'), `dir:${pulled}`);
    const stored = await fs.readFile(path.join(pulled, 'manifest.json'));
    expect(sha256(stored)).toBe(digest);
    await expectDirImageIntact(pulled, manifest, amd);
  });

  // skopeo 1.9 can convert an OCI index to a Docker manifest list (its children become schema 2 manifests).
  it('pushes a Docker manifest list converted from the OCI index (--format v2s2 --all) and pulls it back', async () => {
    const pushed = await push(`oci:${source}:multi`, ref('docker/multi:1.0'), '--format', 'v2s2', '--all');

    const raw = await rawManifest('docker/multi:1.0');
    const list = JSON.parse(raw.toString('utf8')) as OciIndex;
    expect(list.mediaType).toBe(DOCKER_LIST);
    expect(list.manifests.map((d) => [d.mediaType, d.platform])).toEqual([
      [DOCKER_MANIFEST, { architecture: 'amd64', os: 'linux' }],
      [DOCKER_MANIFEST, { architecture: 'arm64', os: 'linux' }],
    ]);
    expect(sha256(raw)).toBe(pushed);
    expect((await inspect('docker/multi:1.0')).Digest).toBe(pushed);

    const pulled = newDir('pull-docker-multi');
    await copy(ref('docker/multi:1.0'), `dir:${pulled}`, '--all');
    expect(sha256(await fs.readFile(path.join(pulled, 'manifest.json')))).toBe(sha256(raw));
    for (const [i, built] of [amd, arm].entries()) {
      const child = list.manifests[i];
      const bytes = await fs.readFile(path.join(pulled, `${child.digest.split(':')[1]}.manifest.json`));
      expect(sha256(bytes)).toBe(child.digest);
      expect(bytes.length).toBe(child.size);
      await expectDirImageIntact(pulled, JSON.parse(bytes.toString('utf8')) as ImageManifest, built);
    }
  });
});

/** Like expectImageIntact, for skopeo's dir: transport (blobs stored as <hex> files). */
async function expectDirImageIntact(dir: string, manifest: ImageManifest, built: BuiltImage): Promise<void> {
  const blob = async (digest: string) => {
    const bytes = await fs.readFile(path.join(dir, digest.split(':')[1]));
    expect(sha256(bytes)).toBe(digest);
    return bytes;
  };
  expect(manifest.config.digest).toBe(built.manifest.config.digest);
  expect(manifest.layers.map((l) => l.digest)).toEqual(built.manifest.layers.map((l) => l.digest));
  await blob(manifest.config.digest);
  const files = new Map((await Promise.all(manifest.layers.map((l) => blob(l.digest)))).flatMap((layer) => [...tarFiles(layer)]));
  expect(files.get(built.file.path)?.toString('utf8')).toBe(built.file.content);
}
