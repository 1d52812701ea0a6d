// Runs before `npm install`, `npm start` and `npm test` (their pre-scripts): on an older Node
// it stops with one line instead of a crash inside a tool. Old syntax on purpose: any Node parses it.
/* eslint-disable @typescript-eslint/no-require-imports */
var fs = require('fs');
var path = require('path');

var parts = process.versions.node.split('.').map(Number);
var tooOld = parts[0] < 22 || (parts[0] === 22 && parts[1] < 12);

if (tooOld) {
  // Node's own builds, as the npm registry carries them (what .ci/run uses too).
  var build = 'node-' + (process.platform === 'win32' ? 'win' : process.platform) + '-' + process.arch + '@24';
  var line =
    'EDO Clerk needs Node.js 24 (this is Node ' +
    process.version +
    '); from the npm registry: ' +
    'npm install -g --prefix ~/.local ' +
    build +
    ' && export PATH=~/.local/bin:$PATH';
  // npm runs the project's preinstall after the dependencies' own install scripts: what they
  // built is for this Node and would crash under Node 24, so it goes.
  if (process.env.npm_lifecycle_event === 'preinstall') {
    (fs.rmSync || fs.rmdirSync)(path.join(__dirname, '..', 'node_modules'), { recursive: true, force: true });
    line += ', then npm install again';
  }
  console.error(line);
  process.exit(1);
}
