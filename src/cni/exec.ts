import { accessSync, constants } from 'node:fs';
import { join } from 'node:path';
import { PluginError } from '../errors';
import type { Runner } from '../runner';
import type { Invocation } from './plan';

export const DEFAULT_CNI_PATH = ['/opt/cni/bin', '/usr/lib/cni'];

export function parseCniPath(value: string | undefined): string[] {
  const dirs = (value ?? '').split(':').filter((d) => d.length > 0);
  return dirs.length > 0 ? dirs : [...DEFAULT_CNI_PATH];
}

const found = new Map<string, string | null>();

/** Find an executable plugin binary in the CNI path (memoised per process). */
export function findPlugin(type: string, cniPath: readonly string[]): string | undefined {
  const key = `${cniPath.join(':')}\0${type}`;
  const hit = found.get(key);
  if (hit !== undefined) return hit ?? undefined;
  let path: string | null = null;
  for (const dir of cniPath) {
    const candidate = join(dir, type);
    try {
      accessSync(candidate, constants.X_OK);
      path = candidate;
      break;
    } catch {
      // not here; keep looking
    }
  }
  found.set(key, path);
  return path ?? undefined;
}

const PLUGIN_TIMEOUT_MS = 120_000;

function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}

/** Run one planned invocation; return the parsed stdout (or undefined when empty). */
export async function invoke(inv: Invocation, cniPath: readonly string[], run: Runner): Promise<unknown> {
  const bin = findPlugin(inv.pluginType, cniPath);
  if (!bin) {
    throw new PluginError(
      inv.pluginType,
      `plugin ${inv.pluginType} (${inv.command}): failed to find plugin "${inv.pluginType}" in path [${cniPath.join(' ')}]`,
    );
  }
  const res = await run({ argv: [bin], input: inv.stdin, env: inv.env, timeoutMs: PLUGIN_TIMEOUT_MS });
  if (res.failure) {
    throw new PluginError(inv.pluginType, `plugin ${inv.pluginType} (${inv.command}): ${res.failure}`);
  }
  const text = res.stdout.trim();
  if (res.exitCode !== 0) {
    let code: number | undefined;
    let msg = oneLine(res.stderr) || `exited with status ${res.exitCode}`;
    try {
      const err = JSON.parse(text) as { code?: unknown; msg?: unknown; details?: unknown };
      if (typeof err.code === 'number') code = err.code;
      if (typeof err.msg === 'string') {
        msg = err.msg;
        if (typeof err.details === 'string' && err.details) msg += `: ${err.details}`;
      }
    } catch {
      if (text) msg = oneLine(text);
    }
    const codePart = code === undefined ? '' : ` [CNI error ${code}]`;
    throw new PluginError(
      inv.pluginType,
      `plugin ${inv.pluginType} (${inv.command})${codePart}: ${oneLine(msg)}`,
      code,
    );
  }
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw new PluginError(inv.pluginType, `plugin ${inv.pluginType} (${inv.command}): output is not JSON`);
  }
}
