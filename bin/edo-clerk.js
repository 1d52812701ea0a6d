#!/usr/bin/env node
// Installed entry point of the clerk's CLI: runs the TypeScript sources through tsx.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
