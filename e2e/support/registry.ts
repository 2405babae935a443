/**
 * Content for the console to show, made the way users make it: a two-platform image built with umoci
 * and pushed with skopeo (a robot's credentials), and API calls where the console only needs data.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ConsoleClient } from '../../test/console/console-client';
import { addImageIndex, buildImage, BuiltIndex, initLayout, requireCommands, run } from '../../test/support/images';
import { TestBerth } from '../../test/support/test-berth';

export interface TwoPlatformImage {
  layout: string;
  ref: string;
  index: BuiltIndex;
  /** The platforms' manifest digests by architecture. */
  platforms: Record<'amd64' | 'arm64', string>;
}

/** A scratch directory with a skopeo environment of its own: no auth file of the person running the tests is read or written. */
export class Workspace {
  private constructor(
    readonly dir: string,
    readonly env: NodeJS.ProcessEnv,
  ) {}

  static async create(): Promise<Workspace> {
    await requireCommands();
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'berth-e2e-'));
    const home = path.join(dir, 'home');
    await fs.mkdir(path.join(home, 'run'), { recursive: true, mode: 0o700 });
    return new Workspace(dir, {
      PATH: process.env.PATH,
      HOME: home,
      XDG_RUNTIME_DIR: path.join(home, 'run'),
      XDG_CONFIG_HOME: path.join(home, 'config'),
      DOCKER_CONFIG: path.join(home, 'docker'),
      REGISTRY_AUTH_FILE: path.join(dir, 'no-auth.json'),
    });
  }

  /** linux/amd64 and linux/arm64, one small layer each, under an OCI index named `ref`. */
  async buildTwoPlatformImage(ref = 'app'): Promise<TwoPlatformImage> {
    const layout = path.join(this.dir, `layout-${ref}`);
    await initLayout(layout);
    const images = [];
    for (const architecture of ['amd64', 'arm64'] as const) {
      images.push(
        await buildImage(layout, {
          ref: `${ref}-${architecture}`,
          architecture,
          filePath: 'etc/berth-e2e',
          fileContent: `built for ${architecture}\n`,
          cmd: ['/bin/true'],
        }),
      );
    }
    const index = await addImageIndex(layout, ref, images);
    return { layout, ref, index, platforms: { amd64: images[0].digest, arm64: images[1].digest } };
  }

  /** `skopeo copy --all` of the layout's `ref` to `<repository>:<tag>`, as `username:secret`. */
  async push(berth: TestBerth, image: TwoPlatformImage, repositoryAndTag: string, username: string, secret: string): Promise<void> {
    await run(
      'skopeo',
      [
        '--insecure-policy',
        'copy',
        '--all',
        '--dest-tls-verify=false',
        '--dest-creds',
        `${username}:${secret}`,
        `oci:${image.layout}:${image.ref}`,
        `docker://${berth.host}/${repositoryAndTag}`,
      ],
      { env: this.env, timeoutMs: 60_000 },
    );
  }

  async remove(): Promise<void> {
    await fs.rm(this.dir, { recursive: true, force: true });
  }
}

const sessions = new WeakMap<TestBerth, Promise<ConsoleClient>>();

/**
 * A console API call as admin, for content the browser only needs to see: one signed-in session per
 * Berth (Basic credentials would hash the password on every call). The JSON answer, or a thrown error
 * naming the call.
 */
export async function adminApi<T = unknown>(berth: TestBerth, method: string, apiPath: string, body?: unknown): Promise<T> {
  let session = sessions.get(berth);
  if (!session) sessions.set(berth, (session = ConsoleClient.admin(berth)));
  const res = await (await session).request<T>(method, apiPath.replace(/^\/api\/v1/, ''), body);
  if (res.status >= 300) throw new Error(`${method} ${apiPath} answered ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body;
}

/** Runs `task` over `items`, `concurrency` at a time. */
export async function inBatches<T>(items: readonly T[], concurrency: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await task(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}
