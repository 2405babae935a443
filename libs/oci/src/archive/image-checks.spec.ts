import { platformOfConfig } from './image-checks';

describe('platformOfConfig', () => {
  it('reads os, architecture and variant', () => {
    expect(platformOfConfig({ os: 'linux', architecture: 'arm64', variant: 'v8' })).toEqual({ os: 'linux', architecture: 'arm64', variant: 'v8' });
    expect(platformOfConfig({ os: 'linux', architecture: 'amd64', variant: '' })).toEqual({ os: 'linux', architecture: 'amd64' });
    expect(platformOfConfig({ os: 'linux' })).toBeUndefined();
  });

  it('leaves the platform unknown when a value could not be stored (NUL, lone surrogate)', () => {
    expect(platformOfConfig({ os: 'li\u0000nux', architecture: 'amd64' })).toBeUndefined();
    expect(platformOfConfig({ os: 'linux', architecture: '\ud800' })).toBeUndefined();
    expect(platformOfConfig({ os: 'linux', architecture: 'arm', variant: 'v\u00007' })).toBeUndefined();
  });
});
