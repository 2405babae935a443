import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface SmallFilesystem {
  /** Where to write: everything below it shares `bytes` of space. */
  dir: string;
  unmount(): Promise<void>;
}

/**
 * A real filesystem of `bytes` bytes (a tmpfs), so a test can fill it and meet a real ENOSPC.
 *
 * As root it is mounted here. Anyone else gets it in a user and mount namespace of their own
 * (`unshare --user --map-root-user --mount`, no privilege needed): a process there mounts the tmpfs and
 * waits, and this process reaches the mount through `/proc/<pid>/root`, which resolves paths in that
 * namespace. Where neither works it throws saying so, because a full-disk test that skips proves nothing.
 */
export async function mountSmallFilesystem(bytes: number): Promise<SmallFilesystem> {
  const dir = mkdtempSync(join(tmpdir(), 'berth-small-fs-'));
  const options = `size=${bytes},mode=0777`;
  if (process.getuid?.() === 0) {
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir], { stdio: 'pipe' });
    } catch (error) {
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`cannot mount a ${bytes}-byte tmpfs for the full-disk tests: ${(error as { stderr?: Buffer }).stderr?.toString().trim() || String(error)}`);
    }
    return {
      dir,
      async unmount() {
        execFileSync('umount', ['-l', dir], { stdio: 'pipe' });
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const holder = spawn('unshare', ['--user', '--map-root-user', '--mount', 'sh', '-c', `mount -t tmpfs -o ${options} tmpfs "$0" && echo mounted && exec sleep 86400`, dir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    await mounted(holder);
  } catch (error) {
    holder.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw new Error(
      `cannot make a ${bytes}-byte tmpfs for the full-disk tests (${(error as Error).message}): run them as root, or where unprivileged user namespaces are allowed (unshare --user --map-root-user --mount)`,
    );
  }
  return {
    dir: `/proc/${holder.pid}/root${dir}`,
    async unmount() {
      // The namespace, and the tmpfs with it, ends with its last process.
      const exited = new Promise((resolve) => holder.once('exit', resolve));
      holder.kill('SIGKILL');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function mounted(holder: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    let stderr = '';
    holder.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    holder.stdout!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('mounted')) resolve();
    });
    holder.once('error', reject);
    holder.once('exit', (code, signal) => reject(new Error(stderr.trim() || `unshare exited with ${code ?? signal}`)));
  });
}
