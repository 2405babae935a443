import { digestOf } from './digest';
import { RegistryError } from './errors';
import { blobReferences, isAttestationDescriptor, parseManifest, type ParsedManifest } from './manifest';
import { EMPTY_JSON_DESCRIPTOR, MediaTypes } from './media-types';

const d = (char: string): string => `sha256:${char.repeat(64)}`;

function body(document: unknown): Buffer {
  return Buffer.from(JSON.stringify(document, null, 3));
}

function parseError(payload: Buffer | unknown, contentType?: string): RegistryError {
  try {
    parseManifest(Buffer.isBuffer(payload) ? payload : body(payload), contentType);
  } catch (error) {
    expect(error).toBeInstanceOf(RegistryError);
    return error as RegistryError;
  }
  throw new Error('expected parseManifest to reject');
}

// What `docker push` (classic builder) sends.
const dockerSchema2 = {
  schemaVersion: 2,
  mediaType: MediaTypes.DockerManifest,
  config: { mediaType: MediaTypes.DockerConfig, size: 1469, digest: d('1') },
  layers: [
    { mediaType: MediaTypes.DockerLayer, size: 3623807, digest: d('2') },
    { mediaType: MediaTypes.DockerLayer, size: 127, digest: d('3') },
  ],
};

// What `docker buildx build --push --platform linux/amd64,linux/arm64` sends (with provenance attestations).
const buildxIndex = {
  schemaVersion: 2,
  mediaType: MediaTypes.OciIndex,
  manifests: [
    { mediaType: MediaTypes.OciManifest, digest: d('a'), size: 1052, platform: { architecture: 'amd64', os: 'linux' } },
    { mediaType: MediaTypes.OciManifest, digest: d('b'), size: 1052, platform: { architecture: 'arm64', os: 'linux', variant: 'v8' } },
    {
      mediaType: MediaTypes.OciManifest,
      digest: d('c'),
      size: 566,
      annotations: { 'vnd.docker.reference.digest': d('a'), 'vnd.docker.reference.type': 'attestation-manifest' },
      platform: { architecture: 'unknown', os: 'unknown' },
    },
    {
      mediaType: MediaTypes.OciManifest,
      digest: d('e'),
      size: 566,
      annotations: { 'vnd.docker.reference.digest': d('b'), 'vnd.docker.reference.type': 'attestation-manifest' },
      platform: { architecture: 'unknown', os: 'unknown' },
    },
  ],
};

// The attestation manifest buildx points at from the index.
const buildxAttestation = {
  schemaVersion: 2,
  mediaType: MediaTypes.OciManifest,
  config: { mediaType: MediaTypes.OciConfig, digest: d('4'), size: 167 },
  layers: [
    {
      mediaType: 'application/vnd.in-toto+json',
      digest: d('5'),
      size: 1398,
      annotations: { 'in-toto.io/predicate-type': 'https://slsa.dev/provenance/v0.2' },
    },
  ],
};

const dockerManifestList = {
  schemaVersion: 2,
  mediaType: MediaTypes.DockerManifestList,
  manifests: [
    { mediaType: MediaTypes.DockerManifest, size: 528, digest: d('6'), platform: { architecture: 'amd64', os: 'linux' } },
    {
      mediaType: MediaTypes.DockerManifest,
      size: 528,
      digest: d('7'),
      platform: { architecture: 'amd64', os: 'windows', 'os.version': '10.0.17763.5830', 'os.features': ['win32k'] },
    },
  ],
};

// `oras push --artifact-type application/vnd.example.sbom.v1 reg/app:sbom sbom.json`
const orasArtifact = {
  schemaVersion: 2,
  mediaType: MediaTypes.OciManifest,
  artifactType: 'application/vnd.example.sbom.v1',
  config: EMPTY_JSON_DESCRIPTOR,
  layers: [
    {
      mediaType: 'application/vnd.oci.image.layer.v1.tar',
      digest: d('8'),
      size: 42,
      annotations: { 'org.opencontainers.image.title': 'sbom.json' },
    },
  ],
  annotations: { 'org.opencontainers.image.created': '2024-05-01T10:00:00Z' },
};

// `oras attach --artifact-type application/vnd.example.signature reg/app@sha256:... sig.json`
const orasReferrer = {
  schemaVersion: 2,
  mediaType: MediaTypes.OciManifest,
  artifactType: 'application/vnd.example.signature',
  config: { mediaType: MediaTypes.OciEmpty, digest: EMPTY_JSON_DESCRIPTOR.digest, size: 2, data: 'e30=' },
  layers: [{ mediaType: 'application/json', digest: d('9'), size: 10 }],
  subject: { mediaType: MediaTypes.OciManifest, digest: d('a'), size: 1052 },
};

// `helm push chart.tgz oci://reg/charts`
const helmChart = {
  schemaVersion: 2,
  config: { mediaType: 'application/vnd.cncf.helm.config.v1+json', digest: d('d'), size: 117 },
  layers: [{ mediaType: 'application/vnd.cncf.helm.chart.content.v1.tar+gzip', digest: d('f'), size: 3749 }],
  annotations: { 'org.opencontainers.image.title': 'mychart', 'org.opencontainers.image.version': '0.1.0' },
};

// A Windows image whose base layers are foreign and served from Microsoft's URLs.
const windowsImage = {
  schemaVersion: 2,
  mediaType: MediaTypes.DockerManifest,
  config: { mediaType: MediaTypes.DockerConfig, size: 1000, digest: d('1') },
  layers: [
    { mediaType: MediaTypes.DockerForeignLayer, size: 5000, digest: d('2'), urls: ['https://mcr.microsoft.com/v2/windows/servercore/blobs/' + d('2')] },
    { mediaType: MediaTypes.DockerForeignLayer, size: 6000, digest: d('3') },
    { mediaType: MediaTypes.DockerLayer, size: 700, digest: d('4'), urls: ['https://mirror.example/layer'] },
    { mediaType: MediaTypes.OciLayerNondistributableGzip, size: 800, digest: d('5'), urls: ['https://mirror.example/nd'] },
  ],
};

describe('parseManifest: accepted documents', () => {
  it('parses a docker schema 2 image', () => {
    const raw = body(dockerSchema2);
    const parsed = parseManifest(raw, MediaTypes.DockerManifest);
    expect(parsed).toEqual<ParsedManifest>({
      mediaType: MediaTypes.DockerManifest,
      kind: 'image',
      digest: digestOf(raw),
      size: raw.length,
      config: dockerSchema2.config,
      layers: dockerSchema2.layers,
      manifests: [],
      annotations: {},
      raw: dockerSchema2,
    });
    expect(parsed.artifactType).toBeUndefined();
    expect(parsed.subject).toBeUndefined();
  });

  it('digests the exact bytes, not a re-serialisation', () => {
    const compact = Buffer.from(JSON.stringify(dockerSchema2));
    const pretty = body(dockerSchema2);
    expect(parseManifest(compact).digest).toBe(digestOf(compact));
    expect(parseManifest(pretty).digest).toBe(digestOf(pretty));
    expect(parseManifest(compact).digest).not.toBe(parseManifest(pretty).digest);
    expect(parseManifest(compact).size).toBe(compact.length);
  });

  it('counts size in bytes, not characters', () => {
    const raw = body({ ...orasArtifact, annotations: { 'org.opencontainers.image.description': 'café ☕' } });
    expect(parseManifest(raw).size).toBe(raw.length);
    expect(parseManifest(raw).annotations['org.opencontainers.image.description']).toBe('café ☕');
  });

  it('parses a buildx OCI index with attestation entries', () => {
    const parsed = parseManifest(body(buildxIndex), `${MediaTypes.OciIndex}; charset=utf-8`);
    expect(parsed.kind).toBe('index');
    expect(parsed.mediaType).toBe(MediaTypes.OciIndex);
    expect(parsed.config).toBeUndefined();
    expect(parsed.layers).toEqual([]);
    expect(parsed.manifests).toHaveLength(4);
    expect(parsed.manifests[1].platform).toEqual({ architecture: 'arm64', os: 'linux', variant: 'v8' });
    expect(parsed.manifests.map(isAttestationDescriptor)).toEqual([false, false, true, true]);
    expect(blobReferences(parsed)).toEqual([]);
  });

  it('parses the buildx attestation manifest as an ordinary image', () => {
    const parsed = parseManifest(body(buildxAttestation));
    expect(parsed.kind).toBe('image');
    expect(parsed.artifactType).toBeUndefined();
    expect(parsed.layers[0].annotations).toEqual({ 'in-toto.io/predicate-type': 'https://slsa.dev/provenance/v0.2' });
  });

  it('parses a docker manifest list with windows platform fields', () => {
    const parsed = parseManifest(body(dockerManifestList), MediaTypes.DockerManifestList);
    expect(parsed.kind).toBe('index');
    expect(parsed.manifests[1].platform).toEqual({ architecture: 'amd64', os: 'windows', 'os.version': '10.0.17763.5830', 'os.features': ['win32k'] });
  });

  it('parses an oras artifact: artifactType from the manifest, annotations kept', () => {
    const parsed = parseManifest(body(orasArtifact), MediaTypes.OciManifest);
    expect(parsed.artifactType).toBe('application/vnd.example.sbom.v1');
    expect(parsed.config).toEqual(EMPTY_JSON_DESCRIPTOR);
    expect(parsed.annotations).toEqual({ 'org.opencontainers.image.created': '2024-05-01T10:00:00Z' });
  });

  it('parses an oras referrer with a subject and embedded data', () => {
    const parsed = parseManifest(body(orasReferrer));
    expect(parsed.subject).toEqual({ mediaType: MediaTypes.OciManifest, digest: d('a'), size: 1052 });
    expect(parsed.artifactType).toBe('application/vnd.example.signature');
    expect(parsed.config).toEqual(EMPTY_JSON_DESCRIPTOR);
  });

  it('parses an index with a subject and artifactType', () => {
    const parsed = parseManifest(body({ ...buildxIndex, artifactType: 'application/vnd.example.bundle', subject: orasReferrer.subject }));
    expect(parsed.subject?.digest).toBe(d('a'));
    expect(parsed.artifactType).toBe('application/vnd.example.bundle');
  });

  it('derives artifactType from a non-image config (helm), inferring OCI without mediaType or Content-Type', () => {
    const parsed = parseManifest(body(helmChart));
    expect(parsed.mediaType).toBe(MediaTypes.OciManifest);
    expect(parsed.kind).toBe('image');
    expect(parsed.artifactType).toBe('application/vnd.cncf.helm.config.v1+json');
    expect(parsed.annotations['org.opencontainers.image.version']).toBe('0.1.0');
  });

  it('derives artifactType from an empty config when the manifest has none', () => {
    const { artifactType: _dropped, ...withoutType } = orasArtifact;
    expect(parseManifest(body(withoutType)).artifactType).toBe(MediaTypes.OciEmpty);
  });

  it('takes the media type from Content-Type when the field is absent', () => {
    const { mediaType: _dropped, ...withoutField } = dockerSchema2;
    expect(parseManifest(body(withoutField), MediaTypes.DockerManifest).mediaType).toBe(MediaTypes.DockerManifest);
    expect(parseManifest(body(withoutField), ` ${MediaTypes.DockerManifest.toUpperCase()} ; charset=utf-8`).mediaType).toBe(MediaTypes.DockerManifest);
  });

  it('infers an index from its manifests key', () => {
    const { mediaType: _dropped, ...withoutField } = buildxIndex;
    const parsed = parseManifest(body(withoutField));
    expect(parsed.mediaType).toBe(MediaTypes.OciIndex);
    expect(parsed.kind).toBe('index');
  });

  it('treats generic Content-Types as absent', () => {
    expect(parseManifest(body(dockerSchema2), 'application/json').mediaType).toBe(MediaTypes.DockerManifest);
    expect(parseManifest(body(helmChart), 'application/octet-stream').mediaType).toBe(MediaTypes.OciManifest);
    expect(parseManifest(body(helmChart), '').mediaType).toBe(MediaTypes.OciManifest);
  });

  it('accepts empty layers and empty manifests arrays', () => {
    expect(parseManifest(body({ ...dockerSchema2, layers: [] })).layers).toEqual([]);
    expect(parseManifest(body({ ...buildxIndex, manifests: [] })).manifests).toEqual([]);
  });

  it('keeps unknown fields in raw but not in descriptors', () => {
    const document = { ...dockerSchema2, extra: true, config: { ...dockerSchema2.config, extra: 1 } };
    const parsed = parseManifest(body(document));
    expect(parsed.config).toEqual(dockerSchema2.config);
    expect(parsed.raw).toEqual(document);
  });

  it('accepts a zero size and the largest safe size', () => {
    const layers = [
      { mediaType: MediaTypes.OciLayerGzip, digest: d('2'), size: 0 },
      { mediaType: MediaTypes.OciLayerZstd, digest: d('3'), size: Number.MAX_SAFE_INTEGER },
    ];
    expect(parseManifest(body({ ...helmChart, layers })).layers.map((layer) => layer.size)).toEqual([0, Number.MAX_SAFE_INTEGER]);
  });

  it('accepts sha512 descriptor digests', () => {
    const digest = `sha512:${'c'.repeat(128)}`;
    expect(parseManifest(body({ ...helmChart, layers: [{ mediaType: MediaTypes.OciLayer, digest, size: 1 }] })).layers[0].digest).toBe(digest);
  });
});

describe('parseManifest: rejected documents', () => {
  it.each([
    ['not JSON', Buffer.from('not json'), /not valid JSON/],
    ['empty body', Buffer.alloc(0), /not valid JSON/],
    ['truncated JSON', Buffer.from('{"schemaVersion":2,'), /not valid JSON/],
    ['a JSON array', Buffer.from('[]'), /JSON object/],
    ['JSON null', Buffer.from('null'), /JSON object/],
    ['a JSON string', Buffer.from('"manifest"'), /JSON object/],
    ['a JSON number', Buffer.from('2'), /JSON object/],
  ])('rejects %s', (_label, payload, message) => {
    const error = parseError(payload);
    expect(error.code).toBe('MANIFEST_INVALID');
    expect(error.status).toBe(400);
    expect(error.message).toMatch(message);
  });

  const schema1 = {
    schemaVersion: 1,
    name: 'library/hello',
    tag: 'latest',
    architecture: 'amd64',
    fsLayers: [{ blobSum: d('1') }],
    history: [{ v1Compatibility: '{}' }],
    signatures: [{ header: { alg: 'ES256' }, signature: 'x', protected: 'y' }],
  };

  it.each([
    ['schemaVersion 1 alone', schema1, undefined],
    ['the signed schema 1 Content-Type', schema1, MediaTypes.DockerSchema1SignedManifest],
    ['the unsigned schema 1 Content-Type', { ...schema1, schemaVersion: 2 }, MediaTypes.DockerSchema1Manifest],
    ['a schema 1 mediaType field', { ...dockerSchema2, mediaType: MediaTypes.DockerSchema1Manifest }, undefined],
  ])('rejects Docker schema 1 (%s) with an actionable message', (_label, document, contentType) => {
    const error = parseError(document, contentType);
    expect(error.code).toBe('MANIFEST_INVALID');
    expect(error.message).toBe('Docker schema 1 manifests are not supported; push with a current client (schema 2 or OCI)');
  });

  it('rejects a mediaType field that disagrees with Content-Type', () => {
    const error = parseError(dockerSchema2, MediaTypes.OciManifest);
    expect(error.code).toBe('MANIFEST_INVALID');
    expect(error.message).toMatch(/does not match Content-Type/);
    expect(error.detail).toEqual({ mediaType: MediaTypes.DockerManifest, contentType: MediaTypes.OciManifest });
    expect(parseError(buildxIndex, MediaTypes.DockerManifestList).code).toBe('MANIFEST_INVALID');
  });

  it.each([
    ['missing', undefined],
    ['1.5', 1.5],
    ['3', 3],
    ['"2"', '2'],
    ['null', null],
  ])('rejects schemaVersion %s', (_label, schemaVersion) => {
    const error = parseError({ ...dockerSchema2, schemaVersion });
    expect(error.code).toBe('MANIFEST_INVALID');
    expect(error.detail).toEqual({ field: 'schemaVersion' });
  });

  it.each([
    ['an unknown mediaType field', { ...dockerSchema2, mediaType: 'application/vnd.example.manifest.v1+json' }, undefined],
    ['the withdrawn OCI artifact manifest', { ...orasArtifact, mediaType: 'application/vnd.oci.artifact.manifest.v1+json' }, undefined],
    ['a blob media type', { ...dockerSchema2, mediaType: MediaTypes.OciConfig }, undefined],
    ['an unknown Content-Type', helmChart, 'text/plain'],
  ])('rejects %s', (_label, document, contentType) => {
    const error = parseError(document, contentType);
    expect(error.code).toBe('MANIFEST_INVALID');
    expect(error.message).toMatch(/unsupported manifest media type/);
  });

  it('rejects a non-string mediaType field', () => {
    expect(parseError({ ...dockerSchema2, mediaType: 2 }).detail).toEqual({ field: 'mediaType' });
  });

  it('rejects documents whose kind cannot be inferred', () => {
    expect(parseError({ schemaVersion: 2 }).message).toMatch(/neither config nor manifests/);
    expect(parseError({ schemaVersion: 2, config: helmChart.config, layers: [], manifests: [] }).message).toMatch(/ambiguous/);
  });

  it('rejects image/index confusion (CVE-2021-41190)', () => {
    expect(parseError({ ...dockerSchema2, manifests: [] }).detail).toEqual({ field: 'manifests' });
    expect(parseError({ ...buildxIndex, layers: [] }).detail).toEqual({ field: 'layers' });
    expect(parseError({ ...buildxIndex, config: dockerSchema2.config }).detail).toEqual({ field: 'config' });
  });

  it.each([
    ['missing config', { ...dockerSchema2, config: undefined }, 'config'],
    ['null config', { ...dockerSchema2, config: null }, 'config'],
    ['config as a string', { ...dockerSchema2, config: d('1') }, 'config'],
    ['missing layers', { ...dockerSchema2, layers: undefined }, 'layers'],
    ['layers as an object', { ...dockerSchema2, layers: { 0: dockerSchema2.layers[0] } }, 'layers'],
    ['missing manifests', { ...buildxIndex, manifests: undefined }, 'manifests'],
    ['manifests as null', { ...buildxIndex, manifests: null }, 'manifests'],
    ['a null layer', { ...dockerSchema2, layers: [null] }, 'layers[0]'],
    ['a layer as an array', { ...dockerSchema2, layers: [[]] }, 'layers[0]'],
  ])('rejects %s', (_label, document, field) => {
    const error = parseError(JSON.parse(JSON.stringify(document)));
    expect(error.code).toBe('MANIFEST_INVALID');
    expect((error.detail as { field: string }).field).toBe(field);
  });

  const layer = dockerSchema2.layers[0];
  it.each([
    ['missing mediaType', { ...layer, mediaType: undefined }, 'mediaType'],
    ['empty mediaType', { ...layer, mediaType: '' }, 'mediaType'],
    ['numeric mediaType', { ...layer, mediaType: 7 }, 'mediaType'],
    ['malformed mediaType', { ...layer, mediaType: 'tar.gzip' }, 'mediaType'],
    ['missing digest', { ...layer, digest: undefined }, 'digest'],
    ['short digest', { ...layer, digest: 'sha256:abc' }, 'digest'],
    ['uppercase digest', { ...layer, digest: d('A') }, 'digest'],
    ['unsupported digest algorithm', { ...layer, digest: `md5:${'a'.repeat(32)}` }, 'digest'],
    ['missing size', { ...layer, size: undefined }, 'size'],
    ['negative size', { ...layer, size: -1 }, 'size'],
    ['fractional size', { ...layer, size: 1.5 }, 'size'],
    ['string size', { ...layer, size: '12' }, 'size'],
    ['unsafe size', { ...layer, size: 2 ** 53 }, 'size'],
    ['urls not an array', { ...layer, urls: 'https://x' }, 'urls'],
    ['a non-string url', { ...layer, urls: [1] }, 'urls[0]'],
    ['annotations as an array', { ...layer, annotations: ['a'] }, 'annotations'],
    ['a non-string annotation', { ...layer, annotations: { 'org.example': 1 } }, 'annotations["org.example"]'],
    ['a malformed artifactType', { ...layer, artifactType: 'nope' }, 'artifactType'],
    ['non-string data', { ...layer, data: 12 }, 'data'],
  ])('rejects a layer with %s, naming the descriptor', (_label, bad, field) => {
    const error = parseError({ ...dockerSchema2, layers: [layer, bad] });
    expect(error.code).toBe('MANIFEST_INVALID');
    expect(error.status).toBe(400);
    expect(error.detail).toMatchObject({ descriptor: 'layers[1]', field: `layers[1].${field}` });
    expect(error.message).toContain(`layers[1].${field}`);
  });

  it('reports a bad descriptor digest as MANIFEST_INVALID with the digest in detail', () => {
    const error = parseError({ ...dockerSchema2, config: { ...dockerSchema2.config, digest: 'sha256:zz' } });
    expect(error.code).toBe('MANIFEST_INVALID');
    expect(error.detail).toEqual({ descriptor: 'config', field: 'config.digest', digest: 'sha256:zz' });
  });

  it.each([
    ['a string platform', 'linux/amd64', 'platform'],
    ['no os', { architecture: 'amd64' }, 'platform.os'],
    ['empty architecture', { os: 'linux', architecture: '' }, 'platform.architecture'],
    ['numeric variant', { os: 'linux', architecture: 'arm', variant: 7 }, 'platform.variant'],
    ['numeric os.version', { os: 'windows', architecture: 'amd64', 'os.version': 10 }, 'platform.os.version'],
    ['os.features as a string', { os: 'windows', architecture: 'amd64', 'os.features': 'win32k' }, 'platform.os.features'],
  ])('rejects an index entry with %s', (_label, platform, field) => {
    const manifests = [buildxIndex.manifests[0], { ...buildxIndex.manifests[1], platform }];
    const error = parseError({ ...buildxIndex, manifests });
    expect(error.detail).toMatchObject({ descriptor: 'manifests[1]', field: `manifests[1].${field}` });
  });

  it('rejects a bad subject, artifactType or annotations', () => {
    expect(parseError({ ...orasReferrer, subject: { ...orasReferrer.subject, digest: 'nope' } }).detail).toMatchObject({ descriptor: 'subject' });
    expect(parseError({ ...orasReferrer, subject: 'sha256:x' }).detail).toMatchObject({ field: 'subject' });
    expect(parseError({ ...orasArtifact, artifactType: '' }).detail).toEqual({ field: 'artifactType' });
    expect(parseError({ ...orasArtifact, artifactType: 'sbom' }).detail).toMatchObject({ field: 'artifactType' });
    expect(parseError({ ...orasArtifact, annotations: 'x' }).detail).toEqual({ field: 'annotations' });
    expect(parseError({ ...orasArtifact, annotations: { a: null } }).detail).toEqual({ field: 'annotations["a"]' });
  });
});

describe('blobReferences', () => {
  it('lists config then layers for an image', () => {
    const parsed = parseManifest(body(dockerSchema2));
    expect(blobReferences(parsed).map((ref) => ref.digest)).toEqual([d('1'), d('2'), d('3')]);
  });

  it('skips non-distributable layers served from urls, keeps everything else', () => {
    const parsed = parseManifest(body(windowsImage));
    // d('2'): foreign with urls (skipped); d('3'): foreign without urls; d('4'): distributable with urls; d('5'): OCI non-distributable with urls (skipped).
    expect(blobReferences(parsed).map((ref) => ref.digest)).toEqual([d('1'), d('3'), d('4')]);
  });

  it('keeps a non-distributable layer whose urls list is empty', () => {
    const layers = [{ mediaType: MediaTypes.DockerForeignLayer, size: 1, digest: d('2'), urls: [] }];
    expect(blobReferences(parseManifest(body({ ...dockerSchema2, layers }))).map((ref) => ref.digest)).toEqual([d('1'), d('2')]);
  });

  it('does not ask for the subject, which may not have been pushed yet', () => {
    const refs = blobReferences(parseManifest(body(orasReferrer))).map((ref) => ref.digest);
    expect(refs).toEqual([EMPTY_JSON_DESCRIPTOR.digest, d('9')]);
  });

  it('returns nothing for an index', () => {
    expect(blobReferences(parseManifest(body(dockerManifestList)))).toEqual([]);
  });
});

describe('isAttestationDescriptor', () => {
  it('recognises the buildx annotation or the unknown/unknown platform', () => {
    expect(isAttestationDescriptor({ annotations: { 'vnd.docker.reference.type': 'attestation-manifest' } })).toBe(true);
    expect(isAttestationDescriptor({ platform: { os: 'unknown', architecture: 'unknown' } })).toBe(true);
  });

  it('leaves ordinary entries alone', () => {
    expect(isAttestationDescriptor({})).toBe(false);
    expect(isAttestationDescriptor({ platform: { os: 'linux', architecture: 'amd64' } })).toBe(false);
    expect(isAttestationDescriptor({ platform: { os: 'unknown', architecture: 'amd64' } })).toBe(false);
    expect(isAttestationDescriptor({ annotations: { 'vnd.docker.reference.type': 'something-else' } })).toBe(false);
  });
});

describe('parseManifest: strings PostgreSQL cannot store', () => {
  it.each([
    ['a NUL in an annotation value', { ...dockerSchema2, annotations: { 'org.example': 'a\u0000b' } }, 'annotations.org.example'],
    ['a lone surrogate in an annotation value', { ...dockerSchema2, annotations: { 'org.example': '\ud800' } }, 'annotations.org.example'],
    ['a NUL in a key', { ...dockerSchema2, annotations: { 'a\u0000': 'x' } }, 'annotations key'],
    ['a NUL in a layer field', { ...dockerSchema2, layers: [{ ...dockerSchema2.layers[0], urls: ['http://x/\u0000'] }] }, 'layers[0].urls[0]'],
  ])('refuses %s with MANIFEST_INVALID naming where', (_, document, field) => {
    const error = parseError(document);
    expect(error.code).toBe('MANIFEST_INVALID');
    expect(error.message).toBe(`invalid manifest: ${field} holds a NUL character or a lone UTF-16 surrogate, which this registry cannot store`);
  });

  it('accepts any other Unicode, surrogate pairs included', () => {
    expect(parseManifest(body({ ...dockerSchema2, annotations: { 'org.example': '镜像 🚢 \u0001' } })).annotations).toEqual({ 'org.example': '镜像 🚢 \u0001' });
  });
});
