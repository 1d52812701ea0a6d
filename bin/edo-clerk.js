#!/usr/bin/env node
// Installed entry point of the clerk's CLI: the built JavaScript of src/cli.
import { runBuilt } from './built.js';

await runBuilt('edo-clerk', '../out/cli/edo-clerk.js');
