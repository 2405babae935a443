import { describe, expect, it } from 'vitest';
import { artifactLink, projectLink, pullCommand, repositoryLink, splitRepository, tagsLink } from './links';

describe('links', () => {
  it('keeps the slashes of a repository name', () => {
    expect(projectLink('team')).toBe('/projects/team');
    expect(repositoryLink('team', 'app/api')).toBe('/projects/team/repositories/app/api');
    expect(tagsLink('team', 'app/api')).toBe('/projects/team/repositories/app/api/-/tags');
  });

  it('links a tag or a digest, the colon of a digest kept literal', () => {
    expect(artifactLink('team', 'app/api', '1.0')).toBe('/projects/team/repositories/app/api/-/artifacts/1.0');
    expect(artifactLink('team', 'app', 'sha256:abc')).toBe('/projects/team/repositories/app/-/artifacts/sha256:abc');
  });

  it('splits a full repository name at its first slash', () => {
    expect(splitRepository('team/app/api')).toEqual(['team', 'app/api']);
    expect(repositoryLink(...splitRepository('team/app/api'))).toBe('/projects/team/repositories/app/api');
    // A repository named like its project (stored before /v2 refused such names) opens at the path `_`.
    expect(splitRepository('team')).toEqual(['team', '_']);
    expect(repositoryLink(...splitRepository('team'))).toBe('/projects/team/repositories/_');
  });

  it('pulls by tag with a colon and by digest with an at sign', () => {
    expect(pullCommand('reg:5000', 'team/app', '1.0')).toBe('docker pull reg:5000/team/app:1.0');
    expect(pullCommand('reg:5000', 'team/app', 'sha256:abc')).toBe('docker pull reg:5000/team/app@sha256:abc');
  });
});
