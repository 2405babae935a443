import { describe, expect, it } from 'vitest';
import { preferredOption, pullCommands } from './pull-commands';

describe('pullCommands', () => {
  it('offers docker, podman and nerdctl for an image or an index, by tag and by digest', () => {
    expect(pullCommands('reg:5000', 'team/app', '1.0', 'index')).toEqual([
      { client: 'docker', command: 'docker pull reg:5000/team/app:1.0' },
      { client: 'podman', command: 'podman pull reg:5000/team/app:1.0' },
      { client: 'nerdctl', command: 'nerdctl pull reg:5000/team/app:1.0' },
    ]);
    expect(pullCommands('reg:5000', 'team/app', 'sha256:abc', 'image').map((o) => o.command)).toContain('podman pull reg:5000/team/app@sha256:abc');
  });

  it('pulls a Helm chart with helm (by version, or by digest) and oras, never docker', () => {
    expect(pullCommands('reg', 'charts/web', '0.1.0', 'helm-chart')).toEqual([
      { client: 'helm', command: 'helm pull oci://reg/charts/web --version 0.1.0' },
      { client: 'oras', command: 'oras pull reg/charts/web:0.1.0' },
    ]);
    expect(pullCommands('reg', 'charts/web', 'sha256:abc', 'helm-chart')[0].command).toBe('helm pull oci://reg/charts/web@sha256:abc');
  });

  it('pulls other OCI artifacts (signatures, SBOMs, anything oras pushed) with oras', () => {
    for (const kind of ['signature', 'sbom', 'attestation', 'other'] as const) {
      expect(pullCommands('reg', 'team/app', 'sha256:abc', kind)).toEqual([{ client: 'oras', command: 'oras pull reg/team/app@sha256:abc' }]);
    }
  });

  it('picks the preferred client when it can pull the kind, else the usual one', () => {
    const image = pullCommands('reg', 'a/b', '1', 'image');
    expect(preferredOption(image, 'podman')?.client).toBe('podman');
    expect(preferredOption(image, 'helm')?.client).toBe('docker');
    expect(preferredOption(pullCommands('reg', 'a/b', '1', 'helm-chart'), 'docker')?.client).toBe('helm');
  });
});
