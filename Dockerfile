# Production image: the built API and console, Node 24 (the current LTS) on Debian.
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY apps/api/package.json apps/api/
COPY apps/web/package.json apps/web/
COPY libs/oci/package.json libs/oci/
COPY libs/storage/package.json libs/storage/
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build && npm prune --omit=dev

FROM node:24-bookworm-slim
# A fixed mmap threshold: glibc otherwise raises it as large buffers are freed, and the blob and archive
# streams' freed 256 KiB - 1 MiB buffers then stay in the heap (~70 MiB more peak RSS in bench:transfer).
ENV NODE_ENV=production PORT=5000 BERTH_DATA_DIR=/var/lib/berth MALLOC_MMAP_THRESHOLD_=131072
WORKDIR /app
COPY --from=build /app /app
RUN mkdir -p /var/lib/berth && chown node:node /var/lib/berth
USER node
EXPOSE 5000
CMD ["node", "dist/apps/api/src/main.js"]
