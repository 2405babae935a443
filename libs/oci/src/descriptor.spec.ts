import { parseDescriptor } from './descriptor';
import { RegistryError } from './errors';
import { MediaTypes } from './media-types';

const DIGEST = `sha256:${'0'.repeat(64)}`;

describe('parseDescriptor', () => {
  it('returns the known fields only', () => {
    const value = {
      mediaType: MediaTypes.OciManifest,
      digest: DIGEST,
      size: 12,
      urls: ['https://example.com/blob'],
      annotations: { a: 'b' },
      artifactType: 'application/vnd.example',
      platform: { os: 'linux', architecture: 'arm', variant: 'v7', unknown: 1 },
      data: 'e30=',
      extra: { nested: true },
    };
    expect(parseDescriptor(value, 'manifests[0]')).toEqual({
      mediaType: MediaTypes.OciManifest,
      digest: DIGEST,
      size: 12,
      urls: ['https://example.com/blob'],
      annotations: { a: 'b' },
      artifactType: 'application/vnd.example',
      platform: { os: 'linux', architecture: 'arm', variant: 'v7' },
    });
  });

  it('copies arrays and maps so later edits to the input do not leak', () => {
    const value = { mediaType: 'a/b', digest: DIGEST, size: 1, urls: ['u'], annotations: { k: 'v' } };
    const descriptor = parseDescriptor(value, 'config');
    value.urls.push('x');
    value.annotations.k = 'changed';
    expect(descriptor.urls).toEqual(['u']);
    expect(descriptor.annotations).toEqual({ k: 'v' });
  });

  it('names the descriptor the caller gave in message and detail', () => {
    try {
      parseDescriptor({ mediaType: 'a/b', digest: DIGEST, size: -5 }, 'layers[7]');
      throw new Error('expected a throw');
    } catch (error) {
      expect(error).toBeInstanceOf(RegistryError);
      expect((error as RegistryError).code).toBe('MANIFEST_INVALID');
      expect((error as RegistryError).message).toBe('invalid manifest: layers[7].size must be a non-negative integer');
      expect((error as RegistryError).detail).toEqual({ descriptor: 'layers[7]', field: 'layers[7].size' });
    }
  });

  it.each([undefined, null, 'sha256:x', 3, []])('rejects %j as not an object', (value) => {
    expect(() => parseDescriptor(value, 'config')).toThrow(/config must be a descriptor object/);
  });
});
