import { UsageError } from './errors';
import type { Issues, Schema } from './schema';
import * as z from './schema';

/** libcni's rule for network names and container ids, plus a length cap. */
const SAFE = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/** A libcni-safe name of at most `max` characters; messages name what it is. */
const safeName = (what: string, max: number) =>
  z
    .string()
    .check(
      z.minLength(1, `${what} is empty`),
      z.maxLength(max, `${what} is longer than ${max} characters`),
      z.regex(
        SAFE,
        `${what} may only contain letters, digits, "_", "." and "-" and must not start with a symbol`,
      ),
    );

export const networkName = safeName('network name', 64);
export const containerId = safeName('container id', 128);

/** Linux IFNAMSIZ is 16 including the NUL: at most 15 characters. */
export const ifName = z.string().check(
  z.minLength(1, 'interface name is empty'),
  z.maxLength(15, 'interface name is longer than 15 characters (IFNAMSIZ)'),
  z.refine((s: string) => s !== '.' && s !== '..', 'interface name may not be "." or ".."'),
  z.refine((s: string) => !/[\s/:%]/.test(s), 'interface name may not contain "/", ":", "%" or white space'),
);

/** A validated name, or a UsageError: `invalid <what> "<value>": <why>`. */
export function validName(schema: Schema<string>, value: string, what: string): string {
  const r = z.safeParse(schema, value);
  if (!r.success) throw new UsageError(`invalid ${what} ${JSON.stringify(value)}: ${firstIssue(r.error)}`);
  return r.data;
}

/** Validate with a schema and turn the first issue into a plain sentence. */
export function firstIssue(err: Issues): string {
  const issue = err.issues[0];
  if (!issue) return 'invalid value';
  const where = issue.path.length ? `${issue.path.map(String).join('.')}: ` : '';
  return `${where}${issue.message}`;
}
