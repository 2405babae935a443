# Production image: the built API and console, Node 20 on Debian.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY apps/api/package.json apps/api/
COPY apps/web/package.json apps/web/
COPY libs/oci/package.json libs/oci/
COPY libs/storage/package.json libs/storage/
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
ENV NODE_ENV=production PORT=5000 BERTH_DATA_DIR=/var/lib/berth
WORKDIR /app
COPY --from=build /app /app
RUN mkdir -p /var/lib/berth && chown node:node /var/lib/berth
USER node
EXPOSE 5000
CMD ["node", "dist/apps/api/src/main.js"]
