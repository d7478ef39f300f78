// Shared by the build and the import-graph test.
import { fileURLToPath } from 'node:url';

/** The daemon's libraries stay in node_modules; only the daemon and --address clients load them. */
export const EXTERNAL = [
  '@grpc/grpc-js',
  '@grpc/proto-loader',
  '@grpc/reflection',
  'grpc-health-check',
  'prom-client',
  'redis',
  'dns-packet',
];

/** Module substitutions in every bundle. */
export const ALIAS = {
  'graceful-fs': fileURLToPath(new URL('./shims/graceful-fs.cjs', import.meta.url)),
};
