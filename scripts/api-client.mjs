#!/usr/bin/env node
// `npm run api:client`: writes the console API's OpenAPI document (generated from the controllers, as
// GET /api/v1/openapi.json serves it) to apps/web/src/api/openapi.json, and its TypeScript types
// (openapi-typescript) to apps/web/src/api/schema.d.ts. Reads the server build (npm run build:server);
// needs no database and starts no server. test/console/openapi.test.ts fails when these files drift.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
require('reflect-metadata');
const { ApiModule } = require(path.join(root, 'dist/apps/api/src/api/api.module.js'));
const { buildOpenApiDocument, consoleControllersOf } = require(path.join(root, 'dist/apps/api/src/api/openapi.js'));

const out = path.join(root, 'apps/web/src/api');
const documentFile = path.join(out, 'openapi.json');
const typesFile = path.join(out, 'schema.d.ts');
writeFileSync(documentFile, `${JSON.stringify(buildOpenApiDocument(consoleControllersOf(ApiModule)), null, 2)}\n`);
const generator = path.join(path.dirname(require.resolve('openapi-typescript/package.json', { paths: [path.join(root, 'apps/web')] })), 'bin/cli.js');
execFileSync(process.execPath, [generator, documentFile, '--output', typesFile], { stdio: ['ignore', 'ignore', 'inherit'] });
console.log(`wrote ${path.relative(root, documentFile)} and ${path.relative(root, typesFile)}`);
