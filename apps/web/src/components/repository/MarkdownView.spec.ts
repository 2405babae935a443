// @vitest-environment node
/**
 * README rendering in a real browser. DOMPurify does not work under happy-dom (it keeps <script> and
 * drops <h1>, see cure53/DOMPurify#1457), so a happy-dom test would prove nothing either way: this spec
 * serves MarkdownView through Vite and renders it in Chromium with playwright-core.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { createServer, type ViteDevServer } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const WEB_ROOT = fileURLToPath(new URL('../../..', import.meta.url));

const HARNESS = `<!doctype html><html><body><div id="app"></div>
<script type="module">
import { createApp, h, nextTick } from 'vue';
import MarkdownView from '/src/components/repository/MarkdownView.vue';
let app;
window.renderReadme = async (source) => {
  app?.unmount();
  app = createApp({ render: () => h(MarkdownView, { source, 'data-test': 'readme' }) });
  app.mount('#app');
  await nextTick();
};
window.harnessReady = true;
</script></body></html>`;

const README = [
  '# Title',
  '',
  'Some `inline` code and a [link](https://example.com/docs).',
  '',
  '| variable | meaning |',
  '|---|---|',
  '| PORT | where it listens |',
  '',
  '```sh',
  'docker run -p 8080:8080 app',
  '```',
].join('\n');

const ATTACKS = [
  '<img src=x onerror="window.__pwned = 1; alert(1)">',
  '<script>window.__pwned = 2; alert(2)</script>',
  '[x](javascript:alert(3))',
  '[y](JaVaScRiPt:window.__pwned=4)',
  '<a href="javascript:alert(5)">z</a>',
  '<svg><a xlink:href="javascript:alert(6)"><text>w</text></a><script>alert(7)</script></svg>',
  '<iframe src="javascript:alert(8)"></iframe>',
  '<div onmouseover="alert(9)" style="position:fixed;inset:0">cover</div>',
  '<form action="https://evil.example"><input name="password"><button>go</button></form>',
  '<details open ontoggle="window.__pwned = 10">d</details>',
].join('\n\n');

// Never a silent skip: without the browser this spec fails and names the package (npm test installs it as root).
if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: install Debian's chromium package (and fonts-noto-cjk), or set CHROMIUM_PATH`);

describe('MarkdownView in Chromium', () => {
  let server: ViteDevServer;
  let browser: Browser;
  let page: Page;
  let cacheDir: string;
  const dialogs: string[] = [];

  beforeAll(async () => {
    cacheDir = mkdtempSync(join(tmpdir(), 'berth-markdown-spec-'));
    server = await createServer({
      root: WEB_ROOT,
      configFile: join(WEB_ROOT, 'vite.config.ts'),
      cacheDir,
      logLevel: 'error',
      server: { host: '127.0.0.1', port: 0, hmr: false, watch: null, proxy: {} },
      optimizeDeps: { include: ['vue', 'marked', 'dompurify'] },
      plugins: [
        {
          name: 'markdown-harness',
          configureServer(vite) {
            vite.middlewares.use('/__markdown', (req, res, next) => {
              vite
                .transformIndexHtml('/__markdown', HARNESS)
                .then((html) => {
                  res.setHeader('Content-Type', 'text/html');
                  res.end(html);
                })
                .catch(next);
            });
          },
        },
      ],
    });
    await server.listen();
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    page = await browser.newPage();
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    await page.goto(`${server.resolvedUrls?.local[0]}__markdown`);
    await page.waitForFunction(() => (window as unknown as { harnessReady?: boolean }).harnessReady === true, undefined, { timeout: 30_000 });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (cacheDir) rmSync(cacheDir, { recursive: true, force: true });
  });

  async function render(source: string): Promise<void> {
    await page.evaluate((text) => (window as unknown as { renderReadme: (s: string) => Promise<void> }).renderReadme(text), source);
  }

  it('renders headings, code blocks, tables and links, links opening safely in a new tab', async () => {
    await render(README);
    expect(await page.textContent('[data-test=readme] h1')).toBe('Title');
    expect(await page.textContent('[data-test=readme] pre code')).toBe('docker run -p 8080:8080 app\n');
    expect(await page.$$eval('[data-test=readme] table th', (cells) => cells.map((c) => c.textContent))).toEqual(['variable', 'meaning']);
    const link = await page.$eval('[data-test=readme] a', (a) => ({ href: a.getAttribute('href'), target: a.getAttribute('target'), rel: a.getAttribute('rel') }));
    expect(link).toEqual({ href: 'https://example.com/docs', target: '_blank', rel: 'noopener noreferrer nofollow' });
  });

  it('never runs what was pushed: no scripts, no event handlers, no javascript: links', async () => {
    await render(ATTACKS);
    await page.hover('[data-test=readme]');
    await page.waitForTimeout(200);
    const found = await page.$eval('[data-test=readme]', (root) => ({
      dangerous: root.querySelectorAll('script, iframe, form, input, button, object, embed').length,
      handlers: [...root.querySelectorAll('*')].flatMap((el) => [...el.attributes].filter((a) => /^on/i.test(a.name) || a.name === 'style').map((a) => `${el.tagName}.${a.name}`)),
      scriptUrls: [...root.querySelectorAll('*')].flatMap((el) => [...el.attributes].filter((a) => /^\s*javascript:/i.test(a.value)).map((a) => `${el.tagName}.${a.name}`)),
      images: [...root.querySelectorAll('img')].map((img) => img.getAttribute('src')),
      html: root.innerHTML,
    }));
    expect(found.dangerous).toBe(0);
    expect(found.handlers).toEqual([]);
    expect(found.scriptUrls).toEqual([]);
    expect(found.html).not.toMatch(/onerror|ontoggle|javascript:/i);
    // What is harmless stays: the image, without its handler.
    expect(found.images).toEqual(['x']);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(dialogs).toEqual([]);
  });
});
