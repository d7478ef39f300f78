import { UsageError } from '../errors';
import { NUMERIC_FIELDS } from './spec';

/** `links[2].ip` from a path of keys and indices. */
export function pathText(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out ? `.${String(p)}` : String(p);
  }
  return out;
}

const VAR = /\$(?:\$|\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])((?:[^}\\]|\\.)*))?\})/g;

/** The variables a file's text names (`${VAR}`, `${VAR:-x}`, ...; not `$${VAR}`), in order. */
export function referencedVars(text: string): string[] {
  const out = new Set<string>();
  for (const m of text.matchAll(VAR)) if (m[1]) out.add(m[1]);
  return [...out];
}

/**
 * Compose-style substitution in one string: `${VAR}`, `${VAR:-default}` (unset or empty),
 * `${VAR-default}` (unset), `${VAR:?message}` / `${VAR?message}` (an error), `$$` for `$`.
 * A `${VAR}` that is not set is an error too: an empty address or device is never what was meant.
 */
export function interpolate(
  text: string,
  env: Readonly<Record<string, string | undefined>>,
  where: string,
): string {
  return text.replace(
    VAR,
    (whole, name: string | undefined, op: string | undefined, arg: string | undefined) => {
      if (whole === '$$') return '$';
      const key = name ?? '';
      const value = env[key];
      const missing = op?.startsWith(':') ? !value : value === undefined;
      if (!missing) return value ?? '';
      if (op === ':-' || op === '-') return arg ?? '';
      if (op === ':?' || op === '?') throw new UsageError(`${where}: ${key}: ${arg || 'not set'}`);
      throw new UsageError(`${where}: variable ${key} is not set (write \${${key}:-default} for a default)`);
    },
  );
}

/** Substitute every string in a parsed document (problems go to `errors`); numeric fields become numbers again. */
export function interpolateDoc(
  doc: unknown,
  env: Readonly<Record<string, string | undefined>>,
  file: string,
  errors: string[],
  path: PropertyKey[] = [],
): unknown {
  if (typeof doc === 'string') {
    if (!doc.includes('$')) return doc;
    let out: string;
    try {
      out = interpolate(doc, env, `${file}: ${pathText(path)}`);
    } catch (err) {
      errors.push((err as Error).message);
      return doc;
    }
    const key = path[path.length - 1];
    return typeof key === 'string' && NUMERIC_FIELDS.has(key) && /^\d+$/.test(out) ? Number(out) : out;
  }
  if (Array.isArray(doc)) return doc.map((v, i) => interpolateDoc(v, env, file, errors, [...path, i]));
  if (doc !== null && typeof doc === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(doc)) out[k] = interpolateDoc(v, env, file, errors, [...path, k]);
    return out;
  }
  return doc;
}
