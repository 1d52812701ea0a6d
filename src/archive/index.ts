// The verifiable signed-data archive, as hub and client share it (docs/architecture.md §11).
export * from './merkle';
export * from './entry';
export * from './errors';
export * from './tree-head';
export * from './verify';
export * from './monitor';
export * from './usage';
export * from './auditor';
