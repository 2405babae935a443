import { classifyArtifact, isHelmConfigMediaType, summarizeHelmConfig, summarizeImageConfig } from './artifact';
import { parseManifest } from './manifest';
import { EMPTY_JSON_DESCRIPTOR, MediaTypes } from './media-types';

const d = (char: string): string => `sha256:${char.repeat(64)}`;

function classify(document: unknown): ReturnType<typeof classifyArtifact> {
  return classifyArtifact(parseManifest(Buffer.from(JSON.stringify(document))));
}

const subject = { mediaType: MediaTypes.OciManifest, digest: d('a'), size: 1052 };

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

// `docker buildx build` with an OCI exporter: zstd and gzip layers.
const ociImage = {
  schemaVersion: 2,
  mediaType: MediaTypes.OciManifest,
  config: { mediaType: MediaTypes.OciConfig, size: 1200, digest: d('1') },
  layers: [
    { mediaType: MediaTypes.OciLayerGzip, size: 3623807, digest: d('2') },
    { mediaType: MediaTypes.OciLayerZstd, size: 127, digest: d('3') },
  ],
};

const buildxIndex = {
  schemaVersion: 2,
  mediaType: MediaTypes.OciIndex,
  manifests: [
    { mediaType: MediaTypes.OciManifest, digest: d('a'), size: 1052, platform: { architecture: 'amd64', os: 'linux' } },
    {
      mediaType: MediaTypes.OciManifest,
      digest: d('c'),
      size: 566,
      annotations: { 'vnd.docker.reference.digest': d('a'), 'vnd.docker.reference.type': 'attestation-manifest' },
      platform: { architecture: 'unknown', os: 'unknown' },
    },
  ],
};

const dockerManifestList = {
  schemaVersion: 2,
  mediaType: MediaTypes.DockerManifestList,
  manifests: [{ mediaType: MediaTypes.DockerManifest, size: 528, digest: d('6'), platform: { architecture: 'amd64', os: 'linux' } }],
};

// The attestation manifest buildx points at from the index: provenance, and (with --sbom) an SPDX statement.
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
const buildxSbomAttestation = {
  ...buildxAttestation,
  layers: [
    {
      mediaType: 'application/vnd.in-toto+json',
      digest: d('6'),
      size: 53012,
      annotations: { 'in-toto.io/predicate-type': 'https://spdx.dev/Document' },
    },
  ],
};

const helmChart = {
  schemaVersion: 2,
  config: { mediaType: 'application/vnd.cncf.helm.config.v1+json', digest: d('d'), size: 117 },
  layers: [{ mediaType: 'application/vnd.cncf.helm.chart.content.v1.tar+gzip', digest: d('f'), size: 3749 }],
  annotations: { 'org.opencontainers.image.title': 'mychart', 'org.opencontainers.image.version': '0.1.0' },
};

// `notation sign reg/app@sha256:...`
const notationSignature = {
  schemaVersion: 2,
  mediaType: MediaTypes.OciManifest,
  artifactType: 'application/vnd.cncf.notary.signature',
  config: EMPTY_JSON_DESCRIPTOR,
  layers: [{ mediaType: 'application/jose+json', digest: d('7'), size: 2090 }],
  subject,
  annotations: { 'io.cncf.notary.x509chain.thumbprint#S256': '["ab12"]', 'org.opencontainers.image.created': '2024-05-01T10:00:00Z' },
};

// `cosign sign` (tag scheme sha256-<digest>.sig).
const cosignSignature = {
  schemaVersion: 2,
  mediaType: MediaTypes.OciManifest,
  config: { mediaType: MediaTypes.OciConfig, size: 233, digest: d('8') },
  layers: [
    {
      mediaType: 'application/vnd.dev.cosign.simplesigning.v1+json',
      size: 250,
      digest: d('9'),
      annotations: { 'dev.cosignproject.cosign/signature': 'MEUCIQD...', 'dev.sigstore.cosign/bundle': '{}' },
    },
  ],
};

// `cosign attest --type slsaprovenance` (tag scheme sha256-<digest>.att).
const cosignAttestation = {
  ...cosignSignature,
  layers: [
    {
      mediaType: 'application/vnd.dsse.envelope.v1+json',
      size: 9000,
      digest: d('9'),
      annotations: { 'dev.cosignproject.cosign/signature': '', predicateType: 'https://slsa.dev/provenance/v0.2' },
    },
  ],
};

// cosign's sigstore bundle format (and GitHub's attest actions): one bundle layer, the predicate in an annotation.
function sigstoreBundle(predicateType?: string, mediaType = 'application/vnd.dev.sigstore.bundle.v0.3+json'): unknown {
  const annotations: Record<string, string> = { 'dev.sigstore.bundle.content': 'dsse-envelope' };
  if (predicateType !== undefined) annotations['dev.sigstore.bundle.predicateType'] = predicateType;
  return {
    schemaVersion: 2,
    mediaType: MediaTypes.OciManifest,
    artifactType: mediaType,
    config: EMPTY_JSON_DESCRIPTOR,
    layers: [{ mediaType, digest: d('b'), size: 4500 }],
    subject,
    annotations,
  };
}

// `oras attach --artifact-type <type> reg/app@sha256:... <file>:<type>`
function orasAttach(artifactType: string | undefined, layerType: string): unknown {
  return {
    schemaVersion: 2,
    mediaType: MediaTypes.OciManifest,
    ...(artifactType === undefined ? {} : { artifactType }),
    config: EMPTY_JSON_DESCRIPTOR,
    layers: [{ mediaType: layerType, digest: d('c'), size: 20000, annotations: { 'org.opencontainers.image.title': 'sbom' } }],
    subject,
  };
}

describe('classifyArtifact', () => {
  it.each([
    ['a Docker schema 2 image', dockerSchema2],
    ['an OCI image with gzip and zstd layers', ociImage],
    ['an image without layers (FROM scratch + LABEL)', { ...ociImage, layers: [] }],
    ['a Windows image with foreign layers', {
      ...dockerSchema2,
      layers: [{ mediaType: MediaTypes.DockerForeignLayer, size: 5000, digest: d('2'), urls: ['https://mcr.microsoft.com/x'] }],
    }],
    ['an OCI image with non-distributable and uncompressed layers', {
      ...ociImage,
      layers: [
        { mediaType: MediaTypes.OciLayerNondistributableGzip, size: 5000, digest: d('2') },
        { mediaType: MediaTypes.OciLayer, size: 50, digest: d('3') },
      ],
    }],
    ['an image whose artifactType is its config type', { ...ociImage, artifactType: MediaTypes.OciConfig }],
  ])('calls %s an image', (_label, document) => {
    expect(classify(document)).toBe('image');
  });

  it('calls indexes and manifest lists an index, even one with an artifactType', () => {
    expect(classify(buildxIndex)).toBe('index');
    expect(classify(dockerManifestList)).toBe('index');
    expect(classify({ ...buildxIndex, artifactType: 'application/vnd.cncf.notary.signature' })).toBe('index');
  });

  it('calls a helm push a helm chart', () => {
    expect(classify(helmChart)).toBe('helm-chart');
  });

  it.each([
    ['a Notation signature', notationSignature],
    ['a Notation signature from before artifactType (config media type)', {
      ...notationSignature,
      artifactType: undefined,
      config: { mediaType: 'application/vnd.cncf.notary.signature', digest: EMPTY_JSON_DESCRIPTOR.digest, size: 2 },
    }],
    ['a cosign .sig manifest', cosignSignature],
    ['a sigstore bundle signed by cosign', sigstoreBundle('https://sigstore.dev/cosign/sign/v1')],
    ['a sigstore bundle without a predicate annotation', sigstoreBundle(undefined)],
    ['a v0.2 sigstore bundle with a parameter', sigstoreBundle(undefined, 'application/vnd.dev.sigstore.bundle+json;version=0.2')],
  ])('calls %s a signature', (_label, document) => {
    expect(classify(document)).toBe('signature');
  });

  it.each([
    ['a buildx provenance attestation', buildxAttestation],
    ['a buildx SBOM attestation (SPDX predicate)', buildxSbomAttestation],
    ['a buildx CycloneDX attestation', {
      ...buildxSbomAttestation,
      layers: [{ ...buildxSbomAttestation.layers[0], annotations: { 'in-toto.io/predicate-type': 'https://cyclonedx.org/bom' } }],
    }],
    ['a cosign .att manifest', cosignAttestation],
    ['a GitHub build provenance bundle', sigstoreBundle('https://slsa.dev/provenance/v1')],
    ['an in-toto statement attached with oras', orasAttach('application/vnd.in-toto+json', 'application/vnd.in-toto+json')],
  ])('calls %s an attestation', (_label, document) => {
    expect(classify(document)).toBe('attestation');
  });

  it.each([
    ['application/spdx+json', 'application/spdx+json'],
    ['text/spdx (cosign attach sbom)', 'text/spdx'],
    ['text/spdx+json', 'text/spdx+json'],
    ['application/vnd.syft+json', 'application/vnd.syft+json'],
    ['application/vnd.cyclonedx+json', 'application/vnd.cyclonedx+json'],
    ['application/vnd.cyclonedx+xml', 'application/vnd.cyclonedx+xml'],
    ['a CycloneDX type with a version parameter and capitals', 'Application/vnd.CycloneDX+json; version=1.5'],
  ])('calls an SBOM layer of %s an sbom', (_label, type) => {
    expect(classify(orasAttach(undefined, type))).toBe('sbom');
    expect(classify(orasAttach(type, 'application/octet-stream'))).toBe('sbom');
  });

  it('calls a cosign-attached SBOM (image config, SBOM layer) an sbom', () => {
    expect(classify({ ...cosignSignature, layers: [{ mediaType: 'text/spdx', size: 100, digest: d('9') }] })).toBe('sbom');
  });

  it.each([
    ['an oras artifact with its own type', orasAttach('application/vnd.example.sbom.v1', MediaTypes.OciLayer)],
    ['an oras referrer with a JSON layer', orasAttach('application/vnd.example.signature', 'application/json')],
    ['an empty-config artifact without a type', orasAttach(undefined, MediaTypes.OciLayer)],
    ['an image config with a wasm layer', { ...ociImage, layers: [{ mediaType: 'application/vnd.wasm.content.layer.v1+wasm', size: 1, digest: d('2') }] }],
    ['an image config with an artifactType of its own', { ...ociImage, artifactType: 'application/vnd.example.bundle' }],
    ['an image config with one non-filesystem layer', {
      ...ociImage,
      layers: [...ociImage.layers, { mediaType: 'application/octet-stream', size: 1, digest: d('4') }],
    }],
    ['a lookalike of the spdx type', orasAttach(undefined, 'application/spdx-like+json')],
  ])('calls %s other', (_label, document) => {
    expect(classify(document)).toBe('other');
  });
});

// `docker image inspect`-shaped nginx:1.25.3 config, as the registry stores it.
const nginxConfig = {
  architecture: 'amd64',
  config: {
    ExposedPorts: { '80/tcp': {} },
    Env: [
      'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      'NGINX_VERSION=1.25.3',
      'NJS_VERSION=0.8.2',
      'PKG_RELEASE=1~bookworm',
    ],
    Entrypoint: ['/docker-entrypoint.sh'],
    Cmd: ['nginx', '-g', 'daemon off;'],
    Labels: { maintainer: 'NGINX Docker Maintainers <docker-maint@nginx.com>' },
    StopSignal: 'SIGQUIT',
    ArgsEscaped: true,
    OnBuild: null,
    Volumes: null,
    WorkingDir: '/',
    User: '',
  },
  created: '2023-11-01T17:10:00.123456789Z',
  history: [
    { created: '2023-11-01T00:24:22.123Z', created_by: '/bin/sh -c #(nop) ADD file:39d17d28c5de0bd629e5b7c8190228e5a445d61d668e189b7523e90e68f78244 in / ' },
    { created: '2023-11-01T00:24:22.456Z', created_by: '/bin/sh -c #(nop)  CMD ["bash"]', empty_layer: true },
    {
      created: '2023-11-01T17:09:58Z',
      created_by: 'LABEL maintainer=NGINX Docker Maintainers <docker-maint@nginx.com>',
      comment: 'buildkit.dockerfile.v0',
      empty_layer: true,
    },
    { created: '2023-11-01T17:10:00Z', created_by: 'RUN /bin/sh -c set -x && groupadd --system --gid 101 nginx # buildkit', comment: 'buildkit.dockerfile.v0' },
  ],
  os: 'linux',
  rootfs: { type: 'layers', diff_ids: [d('1'), d('2')] },
};

describe('summarizeImageConfig', () => {
  it('summarises an nginx config', () => {
    expect(summarizeImageConfig(Buffer.from(JSON.stringify(nginxConfig)))).toEqual({
      created: '2023-11-01T17:10:00.123456789Z',
      os: 'linux',
      architecture: 'amd64',
      user: '',
      entrypoint: ['/docker-entrypoint.sh'],
      cmd: ['nginx', '-g', 'daemon off;'],
      env: nginxConfig.config.Env,
      exposedPorts: ['80/tcp'],
      workingDir: '/',
      volumes: [],
      stopSignal: 'SIGQUIT',
      labels: { maintainer: 'NGINX Docker Maintainers <docker-maint@nginx.com>' },
      history: [
        { created: '2023-11-01T00:24:22.123Z', createdBy: nginxConfig.history[0].created_by, emptyLayer: false },
        { created: '2023-11-01T00:24:22.456Z', createdBy: '/bin/sh -c #(nop)  CMD ["bash"]', emptyLayer: true },
        {
          created: '2023-11-01T17:09:58Z',
          createdBy: 'LABEL maintainer=NGINX Docker Maintainers <docker-maint@nginx.com>',
          comment: 'buildkit.dockerfile.v0',
          emptyLayer: true,
        },
        { created: '2023-11-01T17:10:00Z', createdBy: nginxConfig.history[3].created_by, comment: 'buildkit.dockerfile.v0', emptyLayer: false },
      ],
    });
  });

  it('leaves absent optional fields out rather than undefined', () => {
    const summary = summarizeImageConfig(JSON.stringify(nginxConfig))!;
    expect(Object.keys(summary)).not.toContain('author');
    expect(Object.keys(summary)).not.toContain('variant');
    expect(Object.keys(summary.history[0])).not.toContain('comment');
  });

  it('reads platform details, author and volumes from an OCI config given as a string', () => {
    const config = {
      created: '2024-02-02T02:02:02Z',
      author: 'Jane <jane@example.com>',
      architecture: 'arm64',
      variant: 'v8',
      os: 'windows',
      'os.version': '10.0.20348.2227',
      config: { User: 'ContainerUser', Volumes: { '/data': {}, '/var/log': {} }, Env: [] },
      rootfs: { type: 'layers', diff_ids: [] },
    };
    expect(summarizeImageConfig(JSON.stringify(config))).toEqual({
      created: '2024-02-02T02:02:02Z',
      author: 'Jane <jane@example.com>',
      os: 'windows',
      architecture: 'arm64',
      variant: 'v8',
      osVersion: '10.0.20348.2227',
      user: 'ContainerUser',
      env: [],
      exposedPorts: [],
      volumes: ['/data', '/var/log'],
      labels: {},
      history: [],
    });
  });

  it('accepts a UTF-8 byte order mark', () => {
    expect(summarizeImageConfig('\uFEFF{"os":"linux"}')?.os).toBe('linux');
  });

  it.each([
    ['not JSON', 'not json'],
    ['an empty body', ''],
    ['truncated JSON', '{"os":"linux",'],
    ['a JSON array', '[]'],
    ['JSON null', 'null'],
    ['a JSON string', '"config"'],
    ['a JSON number', '42'],
    ['binary bytes', Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0xff, 0xfe, 0x00])],
  ])('returns null for %s', (_label, input) => {
    expect(summarizeImageConfig(input)).toBeNull();
  });

  it('returns null, not a throw, for input that is neither a Buffer nor a string', () => {
    for (const input of [undefined, null, 42, {}, []]) expect(summarizeImageConfig(input as unknown as string)).toBeNull();
  });

  it('ignores fields of the wrong type', () => {
    const garbage = {
      created: 1700000000,
      author: null,
      architecture: ['amd64'],
      os: { name: 'linux' },
      'os.version': 10,
      variant: true,
      config: {
        User: 0,
        ExposedPorts: ['80/tcp'],
        Env: 'PATH=/bin',
        Entrypoint: '/entrypoint.sh',
        Cmd: null,
        Volumes: '/data',
        WorkingDir: {},
        Labels: ['a=b'],
        StopSignal: 15,
      },
      history: { created_by: 'x' },
    };
    expect(summarizeImageConfig(JSON.stringify(garbage))).toEqual({ env: [], exposedPorts: [], volumes: [], labels: {}, history: [] });
    expect(summarizeImageConfig(JSON.stringify({ config: 'nope', history: 'nope' }))).toEqual({
      env: [],
      exposedPorts: [],
      volumes: [],
      labels: {},
      history: [],
    });
  });

  it('keeps the well-typed entries of mixed lists and records', () => {
    const config = {
      config: { Env: ['A=1', 2, null, 'B=2'], Cmd: ['run', { x: 1 }], Labels: { a: 'x', b: 1, c: null, d: 'y' } },
      history: [null, 'layer', { created_by: 7, empty_layer: 'yes', comment: 'kept' }, { created: '2024-01-01T00:00:00Z' }],
    };
    expect(summarizeImageConfig(JSON.stringify(config))).toMatchObject({
      env: ['A=1', 'B=2'],
      cmd: ['run'],
      labels: { a: 'x', d: 'y' },
      history: [{ comment: 'kept', emptyLayer: false }, { created: '2024-01-01T00:00:00Z', emptyLayer: false }],
    });
  });

  it('keeps a __proto__ label as a label', () => {
    const summary = summarizeImageConfig('{"config":{"Labels":{"__proto__":"x","a":"b"}}}')!;
    expect(Object.getPrototypeOf(summary.labels)).toBe(Object.prototype);
    expect(Object.keys(summary.labels)).toEqual(['__proto__', 'a']);
    expect(summary.labels['__proto__' as string]).toBe('x');
  });

  it('caps history at 1,000 entries and strings at 64 KiB', () => {
    const long = 'x'.repeat(100_000);
    const config = {
      author: long,
      config: { Env: [long], Labels: { [long]: long } },
      history: Array.from({ length: 1500 }, (_, i) => ({ created_by: `RUN step ${i}`, comment: long })),
    };
    const summary = summarizeImageConfig(JSON.stringify(config))!;
    expect(summary.history).toHaveLength(1000);
    expect(summary.history[999].createdBy).toBe('RUN step 999');
    expect(summary.history[0].comment).toHaveLength(64 * 1024);
    expect(summary.author).toHaveLength(64 * 1024);
    expect(summary.env[0]).toHaveLength(64 * 1024);
    expect(Object.entries(summary.labels).map(([key, value]) => [key.length, value.length])).toEqual([[65536, 65536]]);
  });

  it('caps the other lists at 1,000 entries', () => {
    const many = Array.from({ length: 1200 }, (_, i) => `V${i}=1`);
    const set = Object.fromEntries(many.map((key) => [key, {}]));
    const config = { config: { Env: many, Cmd: many, Entrypoint: many, ExposedPorts: set, Volumes: set, Labels: Object.fromEntries(many.map((k) => [k, k])) } };
    const summary = summarizeImageConfig(JSON.stringify(config))!;
    for (const list of [summary.env, summary.cmd, summary.entrypoint, summary.exposedPorts, summary.volumes, Object.keys(summary.labels)]) {
      expect(list).toHaveLength(1000);
    }
  });

  it('does not cut a surrogate pair in half', () => {
    const author = 'x'.repeat(64 * 1024 - 1) + '😀' + 'y';
    const summary = summarizeImageConfig(JSON.stringify({ author }))!;
    expect(summary.author).toBe('x'.repeat(64 * 1024 - 1));
  });
});

describe('summarizeHelmConfig', () => {
  // What `helm push` stores as the config: Chart.yaml as JSON.
  const chart = {
    apiVersion: 'v2',
    name: 'ingress-nginx',
    version: '4.11.3',
    appVersion: '1.11.3',
    description: 'Ingress controller for Kubernetes using NGINX as a reverse proxy and load balancer',
    type: 'application',
    kubeVersion: '>=1.21.0-0',
    home: 'https://github.com/kubernetes/ingress-nginx',
    keywords: ['ingress', 'nginx'],
    maintainers: [{ name: 'rikatz' }],
  };

  it('summarises a chart config', () => {
    expect(summarizeHelmConfig(Buffer.from(JSON.stringify(chart)))).toEqual({
      apiVersion: 'v2',
      name: 'ingress-nginx',
      version: '4.11.3',
      appVersion: '1.11.3',
      description: chart.description,
      type: 'application',
      kubeVersion: '>=1.21.0-0',
      home: chart.home,
      keywords: ['ingress', 'nginx'],
    });
  });

  it('leaves out fields of the wrong type and refuses what is not a JSON object', () => {
    expect(summarizeHelmConfig('{"name":"x","version":4,"appVersion":null,"keywords":"a","deprecated":true}')).toEqual({ name: 'x', keywords: [], deprecated: true });
    expect(summarizeHelmConfig('[1]')).toBeNull();
    expect(summarizeHelmConfig('not json')).toBeNull();
  });

  it('knows the Helm config media type', () => {
    expect(isHelmConfigMediaType('application/vnd.cncf.helm.config.v1+json')).toBe(true);
    expect(isHelmConfigMediaType('application/vnd.oci.image.config.v1+json')).toBe(false);
  });
});
