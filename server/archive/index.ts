// The hub's signed-data archive (docs/architecture.md §11): the append-only Merkle log, its notifications.
export * from './log';
export * from './errors';
export * from './events';
export * from './notify';
