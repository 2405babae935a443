import { MediaTypes } from './media-types';
import { accepts } from './negotiation';

const OCI_MANIFEST = MediaTypes.OciManifest;
const OCI_INDEX = MediaTypes.OciIndex;
const DOCKER_MANIFEST = MediaTypes.DockerManifest;

describe('accepts', () => {
  it('accepts anything when Accept is absent or empty', () => {
    expect(accepts(undefined, OCI_MANIFEST)).toBe(true);
    expect(accepts('', OCI_MANIFEST)).toBe(true);
    expect(accepts([], OCI_MANIFEST)).toBe(true);
    expect(accepts(' , ', OCI_MANIFEST)).toBe(true);
  });

  it('matches exact types in a comma-separated list, case-insensitively', () => {
    const header = `${DOCKER_MANIFEST}, ${OCI_MANIFEST.toUpperCase()}`;
    expect(accepts(header, OCI_MANIFEST)).toBe(true);
    expect(accepts(header, DOCKER_MANIFEST)).toBe(true);
    expect(accepts(header, OCI_INDEX)).toBe(false);
  });

  it('reads repeated headers', () => {
    expect(accepts([DOCKER_MANIFEST, `${OCI_INDEX}, ${OCI_MANIFEST}`], OCI_INDEX)).toBe(true);
    expect(accepts([DOCKER_MANIFEST, OCI_MANIFEST], OCI_INDEX)).toBe(false);
  });

  it('honours wildcards', () => {
    expect(accepts('*/*', OCI_INDEX)).toBe(true);
    expect(accepts('application/*', OCI_INDEX)).toBe(true);
    expect(accepts('text/*', OCI_INDEX)).toBe(false);
  });

  it('treats q=0 as a refusal and lets the most specific range decide', () => {
    expect(accepts(`${OCI_INDEX};q=0`, OCI_INDEX)).toBe(false);
    expect(accepts(`${OCI_INDEX};q=0, */*`, OCI_INDEX)).toBe(false);
    expect(accepts(`${OCI_INDEX};q=0, */*`, OCI_MANIFEST)).toBe(true);
    expect(accepts(`application/*;q=0, ${OCI_MANIFEST}`, OCI_MANIFEST)).toBe(true);
    expect(accepts(`application/*;q=0, ${OCI_MANIFEST}`, OCI_INDEX)).toBe(false);
    expect(accepts(`*/*;q=0, application/*;q=0.1`, OCI_INDEX)).toBe(true);
    expect(accepts(`${OCI_INDEX}; q=0.5`, OCI_INDEX)).toBe(true);
    expect(accepts(`${OCI_INDEX};Q=0.000`, OCI_INDEX)).toBe(false);
  });

  it('lets the higher q win between equally specific ranges, in any order', () => {
    expect(accepts(`${OCI_INDEX};q=0.5, ${OCI_INDEX};q=0`, OCI_INDEX)).toBe(true);
    expect(accepts(`${OCI_INDEX};q=0, ${OCI_INDEX};q=0.5`, OCI_INDEX)).toBe(true);
    expect(accepts('application/*;q=0, application/*;q=0', OCI_INDEX)).toBe(false);
  });

  it('ignores other parameters, here and on the target', () => {
    expect(accepts(`${OCI_MANIFEST}; charset=utf-8`, OCI_MANIFEST)).toBe(true);
    expect(accepts(OCI_MANIFEST, `${OCI_MANIFEST}; charset=utf-8`)).toBe(true);
  });

  it('skips malformed ranges and tolerates malformed q values', () => {
    expect(accepts(`garbage, ${OCI_MANIFEST}`, OCI_INDEX)).toBe(false);
    expect(accepts(`garbage, ${OCI_MANIFEST}`, OCI_MANIFEST)).toBe(true);
    expect(accepts('garbage', OCI_MANIFEST)).toBe(true);
    expect(accepts(`${OCI_MANIFEST};q=abc`, OCI_MANIFEST)).toBe(true);
    expect(accepts(`${OCI_MANIFEST};q=`, OCI_MANIFEST)).toBe(true);
    expect(accepts('*/json', OCI_MANIFEST)).toBe(true);
  });

  it('matches what docker and containerd actually send', () => {
    const docker = [
      'application/vnd.docker.distribution.manifest.v2+json',
      'application/vnd.docker.distribution.manifest.list.v2+json',
      'application/vnd.oci.image.index.v1+json',
      'application/vnd.oci.image.manifest.v1+json',
      'application/vnd.docker.distribution.manifest.v1+prettyjws',
      'application/json',
    ];
    const containerd = `${DOCKER_MANIFEST}, ${MediaTypes.DockerManifestList}, ${OCI_MANIFEST}, ${OCI_INDEX}, */*`;
    expect(accepts(docker, OCI_INDEX)).toBe(true);
    expect(accepts(docker, 'application/vnd.cncf.helm.config.v1+json')).toBe(false);
    expect(accepts(containerd, 'application/vnd.cncf.helm.config.v1+json')).toBe(true);
  });
});
