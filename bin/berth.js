#!/usr/bin/env node
// The `berth` command: archive import and export, and garbage collection (`berth gc`), from the built dist/.
'use strict';
const path = require('node:path');
const fs = require('node:fs');

const argv = process.argv.slice(2);
// gc loads the server's code (it can run against the database directly); import and export need none of it.
const [cli, args] = argv[0] === 'gc' ? [path.join(__dirname, '..', 'dist', 'apps', 'api', 'src', 'gc', 'cli.js'), argv.slice(1)] : [path.join(__dirname, '..', 'dist', 'apps', 'api', 'src', 'cli', 'berth.js'), argv];
if (!fs.existsSync(cli)) {
  process.stderr.write(`berth: ${path.relative(process.cwd(), cli) || cli} is missing; run \`npm run build\` (or \`npm run build:server\`) first\n`);
  process.exit(2);
}
require(cli)
  .main(args)
  .then((code) => process.exit(code), (err) => {
    process.stderr.write(`berth: ${err && err.message ? err.message : String(err)}\n`);
    process.exit(1);
  });
