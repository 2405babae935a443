#!/usr/bin/env node
// The `berth` command (archive import and export): runs the built CLI from dist/.
'use strict';
const path = require('node:path');
const fs = require('node:fs');

const cli = path.join(__dirname, '..', 'dist', 'apps', 'api', 'src', 'cli', 'berth.js');
if (!fs.existsSync(cli)) {
  process.stderr.write(`berth: ${path.relative(process.cwd(), cli) || cli} is missing; run \`npm run build\` (or \`npm run build:server\`) first\n`);
  process.exit(2);
}
require(cli)
  .main(process.argv.slice(2))
  .then((code) => process.exit(code), (err) => {
    process.stderr.write(`berth: ${err && err.message ? err.message : String(err)}\n`);
    process.exit(1);
  });
