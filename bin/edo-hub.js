#!/usr/bin/env node
// Installed entry point of the exchange hub and its administration CLI: the built JavaScript of server/.
import { runBuilt } from './built.js';

await runBuilt('edo-hub', '../out/hub/edo-hub.js');
