import path from 'node:path';
import { Get, Param, Res, Type } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import type { Response } from 'express';
import { DomainError } from '../common/domain-error';
import { ApiDoc } from './api-doc';
import { API_PREFIX, ConsoleController } from './console-controller';
import { buildOpenApiDocument, isConsoleController } from './openapi';
import { Public } from './route-access';

/** The swagger-ui files the explorer page loads, served from node_modules (no CDN). */
const SWAGGER_UI_FILES: Readonly<Record<string, string>> = Object.freeze({
  'swagger-ui.css': 'text/css',
  'swagger-ui-bundle.js': 'text/javascript',
  'swagger-ui-standalone-preset.js': 'text/javascript',
  'favicon-32x32.png': 'image/png',
  'favicon-16x16.png': 'image/png',
});

const DOCS = `/${API_PREFIX}/docs`;

const EXPLORER_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Berth console API</title>
<link rel="stylesheet" href="${DOCS}/swagger-ui.css">
<link rel="icon" type="image/png" href="${DOCS}/favicon-32x32.png" sizes="32x32">
</head>
<body>
<div id="swagger-ui"></div>
<script src="${DOCS}/swagger-ui-bundle.js"></script>
<script src="${DOCS}/swagger-ui-standalone-preset.js"></script>
<script src="${DOCS}/init.js"></script>
</body>
</html>
`;

/** A file rather than an inline script, so the page works under a script-src 'self' policy. */
const EXPLORER_INIT = `window.ui = SwaggerUIBundle({
  url: '/${API_PREFIX}/openapi.json',
  dom_id: '#swagger-ui',
  deepLinking: true,
  withCredentials: true,
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
  plugins: [SwaggerUIBundle.plugins.DownloadUrl],
  layout: 'StandaloneLayout',
});
`;

/** GET /api/v1/openapi.json (generated from the controllers, see openapi.ts) and its explorer at /api/v1/docs. */
@ConsoleController('')
@Public()
export class OpenApiController {
  private document?: Record<string, unknown>;

  constructor(private readonly discovery: DiscoveryService) {}

  @Get('openapi.json')
  @ApiDoc({ summary: 'The OpenAPI document of the console API' })
  openapi(): Record<string, unknown> {
    return (this.document ??= buildOpenApiDocument(
      this.discovery
        .getControllers()
        .map((wrapper) => wrapper.metatype as Type<unknown> | null)
        .filter((metatype): metatype is Type<unknown> => !!metatype && isConsoleController(metatype)),
    ));
  }

  @Get('docs')
  @ApiDoc({ summary: 'The API explorer (swagger-ui), an HTML page' })
  docs(@Res() res: Response): void {
    res.type('html').send(EXPLORER_HTML);
  }

  @Get('docs/:file')
  @ApiDoc({ summary: "A file of the API explorer's page" })
  asset(@Param('file') file: string, @Res() res: Response): void {
    if (file === 'init.js') return void res.type('text/javascript').send(EXPLORER_INIT);
    const type = Object.hasOwn(SWAGGER_UI_FILES, file) ? SWAGGER_UI_FILES[file] : undefined;
    if (!type) throw DomainError.notFound(`no such file: ${file.slice(0, 100)}`);
    res.type(type).sendFile(file, { root: swaggerUiDir() });
  }
}

let swaggerUiDirectory: string | undefined;
function swaggerUiDir(): string {
  return (swaggerUiDirectory ??= path.dirname(require.resolve('swagger-ui-dist/package.json')));
}
