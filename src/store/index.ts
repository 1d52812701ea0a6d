export * from './blobs';
export * from './store';
export { migrate, migrations } from './migrations';
