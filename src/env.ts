/** Where circuit keeps its state unless --state-dir or CIRCUIT_STATE_DIR says otherwise. */
export const DEFAULT_STATE_DIR = '/var/lib/circuit';

/** Environment of the process as a plain string map (for plugin children). */
export function baseEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
  return env;
}

export function stateDirFrom(flag: unknown): string {
  if (typeof flag === 'string' && flag.length > 0) return flag;
  return process.env.CIRCUIT_STATE_DIR || DEFAULT_STATE_DIR;
}
