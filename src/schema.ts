/**
 * Schemas on the hook path use zod/mini (the same package as zod, a fraction of its start-up
 * cost): functions instead of methods, English messages loaded explicitly. Modules reachable from
 * the hook `import * as z from '../schema'` and never import 'zod' itself (the import-graph test
 * checks it). Only what is named here is bundled: a namespace re-export would keep all of zod.
 */
import { config } from 'zod/mini';
import en from 'zod/v4/locales/en.js';

// jitless: zod would otherwise generate and compile a parser per object schema (new Function),
// a cost a one-shot hook process pays and never earns back
config({ ...en(), jitless: true });

export type { core, infer } from 'zod/mini';
export {
  array,
  boolean,
  enum,
  extend,
  gte,
  int,
  literal,
  looseObject,
  lte,
  maxLength,
  minLength,
  nonnegative,
  number,
  object,
  optional,
  positive,
  record,
  refine,
  regex,
  safeParse,
  strictObject,
  string,
  tuple,
  union,
  unknown,
} from 'zod/mini';

/** Any zod schema (mini or classic: they share one core). */
export type Schema<T = unknown> = import('zod/mini').core.$ZodType<T>;

/** What a failed parse reports, for one-line messages. */
export interface Issues {
  issues: readonly { path: readonly PropertyKey[]; message: string }[];
}
