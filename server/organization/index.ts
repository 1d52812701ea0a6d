// Organization settings (docs/architecture.md §11): the service over SQLite, its HTTP routes, and the
// certificates it issues to information systems.
export * from './service';
export * from './routes';
export * from './schema';
export * from './certificates';
export * from './login';
