#!/usr/bin/env node
// Installed entry point of the exchange hub's administration CLI.
import { register } from 'tsx/esm/api';

register();
await import('../server/cli.ts');
