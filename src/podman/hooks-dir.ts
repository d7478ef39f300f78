import {
  existsSync,
  mkdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { ConflictError, UsageError } from '../errors';
import {
  type FileOwner,
  HOOK_FILES,
  type HookDocument,
  type HookSettings,
  hookFileText,
  ownerOf,
  renderHookFile,
  SYSTEM_PATH,
} from './hook-files';

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new UsageError(`cannot read ${path}: ${(err as Error).message}`);
  }
}

/** Temp file + rename in the same directory: podman never reads half a file. */
function writeAtomic(path: string, text: string): void {
  const tmp = join(dirname(path), `.${basename(path)}.tmp-${process.pid}`);
  try {
    writeFileSync(tmp, text, { mode: 0o644 });
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

const RUNTIMES = new Set(['node', 'nodejs', 'bun']);

/**
 * The executable to put in the hook files: this process' own binary when it is circuit's
 * standalone executable, else the script node runs (dist/circuit.js), symlinks resolved.
 */
export function currentExecutable(): string {
  const exe = process.execPath;
  if (!RUNTIMES.has(basename(exe))) return realpathSync(exe);
  const script = process.argv[1];
  if (!script) throw new UsageError('hooks: cannot tell which circuit binary runs (use --bin PATH)');
  return realpathSync(script);
}

export interface SettingsInput {
  bin: string | undefined;
  stateDir: string;
  cniPath: readonly string[];
}

/** Validated settings: absolute paths, an executable that exists, a PATH that reaches node if needed. */
export function hookSettings(i: SettingsInput): HookSettings {
  const bin = i.bin ?? currentExecutable();
  if (!isAbsolute(bin)) throw new UsageError(`--bin: ${JSON.stringify(bin)} is not an absolute path`);
  if (!existsSync(bin)) throw new UsageError(`--bin: ${bin} does not exist`);
  for (const d of i.cniPath)
    if (!isAbsolute(d)) throw new UsageError(`--cni-path: ${JSON.stringify(d)} is not an absolute path`);
  // dist/circuit.js starts with `#!/usr/bin/env node`: its PATH must reach node
  const nodeDir = dirname(process.execPath);
  const path =
    bin.endsWith('.js') && !SYSTEM_PATH.split(':').includes(nodeDir)
      ? `${nodeDir}:${SYSTEM_PATH}`
      : SYSTEM_PATH;
  return { bin, stateDir: resolve(i.stateDir), cniPath: i.cniPath, path };
}

export interface FileStatus {
  file: string;
  path: string;
  stage: string;
  owner: FileOwner;
  /** What install did (or would do): wrote it, it was already so, or left someone else's alone. */
  action?: 'written' | 'unchanged' | 'replaced' | 'removed' | 'absent';
  /** The file as it is on disk (show), when it is JSON. */
  document?: unknown;
}

function checkDir(dir: string): string {
  if (!isAbsolute(dir)) throw new UsageError(`--dir: ${JSON.stringify(dir)} is not an absolute path`);
  return dir;
}

function refuseForeign(dir: string, force: boolean, verb: string): void {
  const foreign = HOOK_FILES.filter((f) => ownerOf(readText(join(dir, f.file))) === 'other');
  if (foreign.length && !force)
    throw new ConflictError(
      `${foreign.map((f) => join(dir, f.file)).join(', ')}: not written by circuit; not ${verb} (--force to ${verb === 'replaced' ? 'replace' : 'remove'} it)`,
    );
}

/** Write circuit's hook files (idempotent). Someone else's file of the same name: exit 4, nothing written. */
export function installHooks(dir: string, s: HookSettings, force: boolean): FileStatus[] {
  checkDir(dir);
  refuseForeign(dir, force, 'replaced');
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  return HOOK_FILES.map((f) => {
    const path = join(dir, f.file);
    const old = readText(path);
    const owner = ownerOf(old);
    const text = hookFileText(renderHookFile(f, s));
    if (old === text) return { file: f.file, path, stage: f.stage, owner, action: 'unchanged' as const };
    writeAtomic(path, text);
    return {
      file: f.file,
      path,
      stage: f.stage,
      owner: 'circuit' as const,
      action: owner === 'other' ? ('replaced' as const) : ('written' as const),
    };
  });
}

/** Remove circuit's hook files (idempotent). Someone else's file of the same name: exit 4, nothing removed. */
export function uninstallHooks(dir: string, force: boolean): FileStatus[] {
  checkDir(dir);
  refuseForeign(dir, force, 'removed');
  return HOOK_FILES.map((f) => {
    const path = join(dir, f.file);
    const owner = ownerOf(readText(path));
    if (owner === 'missing') return { file: f.file, path, stage: f.stage, owner, action: 'absent' as const };
    rmSync(path, { force: true });
    return { file: f.file, path, stage: f.stage, owner, action: 'removed' as const };
  });
}

/** circuit's hook file names in a dir: who owns each and what it holds. */
export function showHooks(dir: string): FileStatus[] {
  checkDir(dir);
  return HOOK_FILES.map((f) => {
    const path = join(dir, f.file);
    const text = readText(path);
    const owner = ownerOf(text);
    let document: unknown;
    if (text !== undefined) {
      try {
        document = JSON.parse(text) as HookDocument;
      } catch {
        document = undefined;
      }
    }
    return { file: f.file, path, stage: f.stage, owner, ...(document !== undefined ? { document } : {}) };
  });
}
