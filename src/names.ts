import { z } from 'zod';
import { UsageError } from './errors';

/** libcni's rule for network names and container ids, plus a length cap. */
const SAFE = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

export const networkName = z
  .string()
  .min(1, 'network name is empty')
  .max(64, 'network name is longer than 64 characters')
  .regex(
    SAFE,
    'network name may only contain letters, digits, "_", "." and "-" and must not start with a symbol',
  );

export const containerId = z
  .string()
  .min(1, 'container id is empty')
  .max(128, 'container id is longer than 128 characters')
  .regex(
    SAFE,
    'container id may only contain letters, digits, "_", "." and "-" and must not start with a symbol',
  );

/** Linux IFNAMSIZ is 16 including the NUL: at most 15 characters. */
export const ifName = z
  .string()
  .min(1, 'interface name is empty')
  .max(15, 'interface name is longer than 15 characters (IFNAMSIZ)')
  .refine((s) => s !== '.' && s !== '..', 'interface name may not be "." or ".."')
  .refine((s) => !/[\s/:%]/.test(s), 'interface name may not contain "/", ":", "%" or white space');

/** A validated name, or a UsageError: `invalid <what> "<value>": <why>`. */
export function validName(schema: z.ZodType<string>, value: string, what: string): string {
  const r = schema.safeParse(value);
  if (!r.success) throw new UsageError(`invalid ${what} ${JSON.stringify(value)}: ${firstIssue(r.error)}`);
  return r.data;
}

/** Validate with a schema and turn the first issue into a plain sentence. */
export function firstIssue(err: z.ZodError): string {
  const issue = err.issues[0];
  if (!issue) return 'invalid value';
  const where = issue.path.length ? `${issue.path.join('.')}: ` : '';
  return `${where}${issue.message}`;
}
