// The exchange protocol v1 (docs/architecture.md §3): zod schemas and inferred types shared by the hub
// (server/) and its client (src/exchange). The route table in ./routes is the one source.
export * from './common';
export * from './errors';
export * from './language';
export * from './directory';
export * from './documents';
export * from './events';
export * from './routes';
export * from './organization';
export { buildOpenApi } from './openapi';
export * from './powers-of-attorney';
export * from './workflow';
