import { fileURLToPath, URL } from 'node:url';
import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  plugins: [vue()],
  resolve: { alias: { '@': fileURLToPath(new URL('./src', import.meta.url)) } },
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 800 },
  server: {
    // `npm run dev -w @berth/web` talks to a Berth started with `npm start`.
    proxy: { '/api': 'http://localhost:5000', '/v2': 'http://localhost:5000' },
  },
  test: {
    environment: 'happy-dom',
    include: ['src/**/*.spec.ts'],
    css: false,
  },
});
