import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface SmallFilesystem {
  /** The mount point: everything written below it shares `bytes` of space. */
  dir: string;
  unmount(): void;
}

/**
 * A real filesystem of `bytes` bytes (a tmpfs), so a test can fill it and meet a real ENOSPC. Needs root
 * (CAP_SYS_ADMIN); anywhere else it throws saying so, because a full-disk test that skips proves nothing.
 */
export function mountSmallFilesystem(bytes: number): SmallFilesystem {
  const dir = mkdtempSync(join(tmpdir(), 'berth-small-fs-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${bytes},mode=0777`, 'tmpfs', dir], { stdio: 'pipe' });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    const detail = (error as { stderr?: Buffer }).stderr?.toString().trim() || String(error);
    throw new Error(
      `cannot mount a ${bytes}-byte tmpfs for the full-disk tests (${detail}); run them as root (mount -t tmpfs needs CAP_SYS_ADMIN), as npm test does in CI`,
    );
  }
  return {
    dir,
    unmount() {
      execFileSync('umount', ['-l', dir], { stdio: 'pipe' });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
