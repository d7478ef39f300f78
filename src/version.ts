/** circuit's version (the build defines CIRCUIT_VERSION from package.json). */
export const VERSION = process.env.CIRCUIT_VERSION ?? '0.1.0';
