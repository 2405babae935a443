import { digestOf } from './digest';
import {
  EMPTY_JSON_CONTENT,
  EMPTY_JSON_DESCRIPTOR,
  MediaTypes,
  isImageConfigMediaType,
  isImageManifestMediaType,
  isIndexMediaType,
  isManifestMediaType,
  isNonDistributableMediaType,
  isSchema1MediaType,
  isValidMediaType,
  normalizeMediaType,
} from './media-types';

describe('MediaTypes', () => {
  it('spells the registered media types', () => {
    expect(MediaTypes).toEqual({
      OciManifest: 'application/vnd.oci.image.manifest.v1+json',
      OciIndex: 'application/vnd.oci.image.index.v1+json',
      OciConfig: 'application/vnd.oci.image.config.v1+json',
      OciLayer: 'application/vnd.oci.image.layer.v1.tar',
      OciLayerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
      OciLayerZstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
      OciLayerNondistributable: 'application/vnd.oci.image.layer.nondistributable.v1.tar',
      OciLayerNondistributableGzip: 'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip',
      OciLayerNondistributableZstd: 'application/vnd.oci.image.layer.nondistributable.v1.tar+zstd',
      OciEmpty: 'application/vnd.oci.empty.v1+json',
      DockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
      DockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
      DockerConfig: 'application/vnd.docker.container.image.v1+json',
      DockerLayer: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
      DockerForeignLayer: 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip',
      DockerSchema1Manifest: 'application/vnd.docker.distribution.manifest.v1+json',
      DockerSchema1SignedManifest: 'application/vnd.docker.distribution.manifest.v1+prettyjws',
    });
    expect(Object.isFrozen(MediaTypes)).toBe(true);
  });

  it('describes the empty JSON blob truthfully', () => {
    expect(EMPTY_JSON_DESCRIPTOR.digest).toBe(digestOf(Buffer.from(EMPTY_JSON_CONTENT)));
    expect(EMPTY_JSON_DESCRIPTOR.size).toBe(Buffer.byteLength(EMPTY_JSON_CONTENT));
    expect(EMPTY_JSON_DESCRIPTOR.mediaType).toBe(MediaTypes.OciEmpty);
  });
});

describe('normalizeMediaType', () => {
  it('drops parameters, whitespace and case', () => {
    expect(normalizeMediaType(' Application/JSON ; charset=utf-8')).toBe('application/json');
    expect(normalizeMediaType(MediaTypes.OciIndex)).toBe(MediaTypes.OciIndex);
  });
});

describe('classification', () => {
  it('recognises indexes', () => {
    expect(isIndexMediaType(MediaTypes.OciIndex)).toBe(true);
    expect(isIndexMediaType(MediaTypes.DockerManifestList)).toBe(true);
    expect(isIndexMediaType(`${MediaTypes.OciIndex}; charset=utf-8`)).toBe(true);
    expect(isIndexMediaType(MediaTypes.OciManifest)).toBe(false);
  });

  it('recognises image manifests', () => {
    expect(isImageManifestMediaType(MediaTypes.OciManifest)).toBe(true);
    expect(isImageManifestMediaType(MediaTypes.DockerManifest.toUpperCase())).toBe(true);
    expect(isImageManifestMediaType(MediaTypes.DockerManifestList)).toBe(false);
    expect(isImageManifestMediaType(MediaTypes.DockerSchema1SignedManifest)).toBe(false);
  });

  it('counts indexes and image manifests, never schema 1 or blobs, as manifests', () => {
    for (const type of [MediaTypes.OciManifest, MediaTypes.OciIndex, MediaTypes.DockerManifest, MediaTypes.DockerManifestList]) {
      expect(isManifestMediaType(type)).toBe(true);
    }
    for (const type of [MediaTypes.DockerSchema1Manifest, MediaTypes.DockerSchema1SignedManifest, MediaTypes.OciConfig, MediaTypes.OciLayerGzip, 'application/json', '']) {
      expect(isManifestMediaType(type)).toBe(false);
    }
  });

  it('recognises schema 1, image configs and non-distributable layers', () => {
    expect(isSchema1MediaType(MediaTypes.DockerSchema1Manifest)).toBe(true);
    expect(isSchema1MediaType(MediaTypes.DockerSchema1SignedManifest)).toBe(true);
    expect(isSchema1MediaType(MediaTypes.DockerManifest)).toBe(false);
    expect(isImageConfigMediaType(MediaTypes.OciConfig)).toBe(true);
    expect(isImageConfigMediaType(MediaTypes.DockerConfig)).toBe(true);
    expect(isImageConfigMediaType(MediaTypes.OciEmpty)).toBe(false);
    expect(isImageConfigMediaType('application/vnd.cncf.helm.config.v1+json')).toBe(false);
    for (const type of [
      MediaTypes.OciLayerNondistributable,
      MediaTypes.OciLayerNondistributableGzip,
      MediaTypes.OciLayerNondistributableZstd,
      MediaTypes.DockerForeignLayer,
    ]) {
      expect(isNonDistributableMediaType(type)).toBe(true);
    }
    expect(isNonDistributableMediaType(MediaTypes.OciLayerGzip)).toBe(false);
    expect(isNonDistributableMediaType(MediaTypes.DockerLayer)).toBe(false);
  });
});

describe('isValidMediaType', () => {
  it.each([
    MediaTypes.OciManifest,
    'application/vnd.cncf.helm.chart.content.v1.tar+gzip',
    'application/vnd.dev.cosign.simplesigning.v1+json',
    'text/plain',
    'application/json; charset=utf-8',
    'application/vnd.example+type;version="1.0"',
  ])('accepts %s', (type) => expect(isValidMediaType(type)).toBe(true));

  it.each(['', 'json', '/json', 'application/', 'application/json/extra', 'application/ json', 'app lication/json', '*/*', 'a/b;', `a/${'b'.repeat(128)}`])(
    'rejects %j',
    (type) => expect(isValidMediaType(type)).toBe(false),
  );
});
