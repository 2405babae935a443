import { ArchiveError } from './archive-error';
import { classifyMember, normalizeMemberName, resolveLinkTarget, unexpectedMember } from './member-names';

const HEX = 'a'.repeat(64);
const OTHER = 'b'.repeat(64);

describe('member names', () => {
  it('normalizes ./ prefixes and trailing slashes', () => {
    expect(normalizeMemberName('./manifest.json')).toBe('manifest.json');
    expect(normalizeMemberName('././blobs/sha256/')).toBe('blobs/sha256');
    expect(normalizeMemberName('./')).toBe('.');
  });

  it.each([
    ['/etc/passwd', 'is an absolute path (path traversal)'],
    ['C:\\evil', 'is an absolute path (path traversal)'],
    ['../x', 'contains ".." (path traversal)'],
    [`${HEX}/../../x`, 'contains ".." (path traversal)'],
    ['a//b', 'has an empty or "." path component'],
    ['a/./b', 'has an empty or "." path component'],
    ['a\\b', 'contains a backslash'],
    ['a\0b', 'contains a NUL byte'],
    ['', 'has an empty name'],
  ])('refuses %j', (name, problem) => {
    expect(() => normalizeMemberName(name)).toThrow(problem);
    expect(() => normalizeMemberName(name)).toThrow(ArchiveError);
  });

  it('classifies the layouts Berth reads', () => {
    expect(classifyMember('manifest.json', 'file')).toEqual({ kind: 'metadata', file: 'manifest.json' });
    expect(classifyMember('oci-layout', 'file')).toEqual({ kind: 'metadata', file: 'oci-layout' });
    expect(classifyMember(`blobs/sha256/${HEX}`, 'file')).toEqual({ kind: 'blob', namedDigest: `sha256:${HEX}`, layerName: false });
    expect(classifyMember(`${HEX}.json`, 'file')).toEqual({ kind: 'blob', namedDigest: `sha256:${HEX}`, layerName: false });
    expect(classifyMember(`${HEX}.tar`, 'file')).toEqual({ kind: 'blob', namedDigest: `sha256:${HEX}`, layerName: true });
    expect(classifyMember(`${HEX}/layer.tar`, 'file')).toEqual({ kind: 'blob', layerName: true });
    expect(classifyMember(`${HEX}/json`, 'file')).toEqual({ kind: 'legacy' });
    expect(classifyMember(`${HEX}/VERSION`, 'file')).toEqual({ kind: 'legacy' });
    expect(classifyMember('blobs/sha256', 'directory')).toEqual({ kind: 'directory' });
    expect(classifyMember(HEX, 'directory')).toEqual({ kind: 'directory' });
    for (const name of ['app.tar', 'etc/passwd', `${HEX}/other`, 'blobs/sha256/x/y', 'Manifest.json']) expect(classifyMember(name, 'file')).toBeUndefined();
    expect(classifyMember('etc', 'directory')).toBeUndefined();
  });

  it('calls an unknown member that is an archive an archive of archives', () => {
    const gzip = Uint8Array.from([0x1f, 0x8b, 8, 0]);
    expect(unexpectedMember('app.tar.gz', gzip).message).toBe(
      'archive of archives: member "app.tar.gz" is itself a gzip-compressed stream; import each archive on its own (Berth does not unpack archives inside the archive)',
    );
    expect(unexpectedMember('notes.txt', Buffer.from('hello')).problem).toBe('unexpected-member');
  });

  describe('links', () => {
    it('lets a classic layer link to another layer of the archive', () => {
      expect(resolveLinkTarget(`${HEX}/layer.tar`, `../${OTHER}/layer.tar`, 'symlink')).toBe(`${OTHER}/layer.tar`);
      expect(resolveLinkTarget(`${HEX}/layer.tar`, `../${OTHER}.tar`, 'symlink')).toBe(`${OTHER}.tar`);
      expect(resolveLinkTarget(`${HEX}/layer.tar`, `${OTHER}/layer.tar`, 'link')).toBe(`${OTHER}/layer.tar`);
    });

    it.each([
      [`${HEX}/layer.tar`, '../../etc/passwd', 'symlink', 'outside the archive (path traversal)'],
      [`${HEX}/layer.tar`, '/etc/passwd', 'symlink', 'to the absolute path "/etc/passwd" (path traversal)'],
      [`${HEX}/layer.tar`, '../manifest.json', 'symlink', 'which is not a layer of the archive'],
      [`${HEX}/layer.tar`, '', 'link', 'is a hard link without a target'],
      ['manifest.json', `${OTHER}/layer.tar`, 'symlink', 'is a symbolic link; only <id>/layer.tar of a docker save archive may link to another layer'],
      [`blobs/sha256/${HEX}`, `blobs/sha256/${OTHER}`, 'link', 'is a hard link; only <id>/layer.tar'],
    ] as const)('refuses %s -> %j (%s)', (name, target, type, message) => {
      expect(() => resolveLinkTarget(name, target, type)).toThrow(message);
    });
  });
});
