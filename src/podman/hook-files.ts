/**
 * circuit's hook files for podman and CRI-O: the containers/common "oci-hooks" JSON format
 * (version 1.0.0), one file per stage, selected by circuit's annotations (pure rendering and
 * classification; hooks-dir.ts reads and writes them).
 */

/** The only hooks directory containers.conf reads by default. */
export const DEFAULT_HOOKS_DIR = '/usr/share/containers/oci/hooks.d';

/** Tools CNI plugins and circuit call (ip, iptables, nft, tc, nsenter) live here on every distro. */
export const SYSTEM_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** In every file circuit writes (and only there): what tells its files from someone else's. */
export const OWNER_ENV = 'CIRCUIT_HOOKS_D=1';

const ANY_CIRCUIT = '^io\\.circuit\\.(network|topology)$';
const TOPOLOGY = '^io\\.circuit\\.topology$';

export interface HookFileSpec {
  /** File name in the hooks dir. */
  file: string;
  /** The stage podman injects it at (podman 5 turns prestart into createRuntime). */
  stage: 'prestart' | 'poststart' | 'poststop';
  /** Which circuit annotation (a regex over annotation keys) selects a container. */
  annotation: string;
}

/**
 * ADD at prestart (networks and topology links before the process starts), a topology's
 * commands at poststart (only containers with a topology), DEL at poststop.
 */
export const HOOK_FILES: readonly HookFileSpec[] = [
  { file: 'circuit-prestart.json', stage: 'prestart', annotation: ANY_CIRCUIT },
  { file: 'circuit-poststart.json', stage: 'poststart', annotation: TOPOLOGY },
  { file: 'circuit-poststop.json', stage: 'poststop', annotation: ANY_CIRCUIT },
];

export interface HookSettings {
  /** Absolute path of the circuit executable (or of dist/circuit.js). */
  bin: string;
  /** Absolute state dir the hooks work on. */
  stateDir: string;
  /** CNI plugin directories. */
  cniPath: readonly string[];
  /** PATH given to the hook (runc passes hooks only the env listed). */
  path: string;
}

/** One hooks.d document (oci-hooks 1.0.0). */
export interface HookDocument {
  version: '1.0.0';
  hook: { path: string; args: string[]; env: string[] };
  when: { annotations: Record<string, string> };
  stages: string[];
}

export function renderHookFile(spec: HookFileSpec, s: HookSettings): HookDocument {
  return {
    version: '1.0.0',
    hook: {
      path: s.bin,
      args: ['circuit', 'hook', spec.stage, '--state-dir', s.stateDir],
      env: [`PATH=${s.path}`, `CNI_PATH=${s.cniPath.join(':')}`, OWNER_ENV],
    },
    when: { annotations: { [spec.annotation]: '.+' } },
    stages: [spec.stage],
  };
}

export const hookFileText = (doc: HookDocument): string => `${JSON.stringify(doc, null, 2)}\n`;

/** What a file of one of circuit's names holds: nothing, circuit's file, or someone else's. */
export type FileOwner = 'missing' | 'circuit' | 'other';

/** circuit's file: valid JSON whose hook carries circuit's marker in its env. */
export function ownerOf(text: string | undefined): FileOwner {
  if (text === undefined) return 'missing';
  try {
    const doc = JSON.parse(text) as { hook?: { env?: unknown } };
    const env = doc?.hook?.env;
    return Array.isArray(env) && env.includes(OWNER_ENV) ? 'circuit' : 'other';
  } catch {
    return 'other';
  }
}
