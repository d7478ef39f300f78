import { expectPositional, type ParsedArgs, str } from '../args';
import { parseCniPath } from '../cni/exec';
import { stateDirFrom } from '../env';
import { DEFAULT_HOOKS_DIR } from '../podman/hook-files';
import { type FileStatus, hookSettings, installHooks, showHooks, uninstallHooks } from '../podman/hooks-dir';
import type { CliContext } from './context';
import { json, table } from './table';

const dirOf = (args: ParsedArgs) => str(args.flags, 'dir') ?? DEFAULT_HOOKS_DIR;

function report(ctx: CliContext, rows: FileStatus[]): void {
  if (ctx.json) ctx.out(json(rows.map(({ document: _d, ...r }) => r)));
  else ctx.out(rows.map((r) => `${r.action} ${r.path}`).join('\n'));
}

/** `circuit hooks install`: podman's/CRI-O's hooks.d files for circuit's stages. */
export async function install(ctx: CliContext, args: ParsedArgs): Promise<void> {
  expectPositional(
    args,
    0,
    0,
    'circuit hooks install [--dir DIR] [--state-dir DIR] [--cni-path DIRS] [--bin PATH] [--force]',
  );
  const settings = hookSettings({
    bin: str(args.flags, 'bin'),
    stateDir: stateDirFrom(args.flags['state-dir']),
    cniPath: parseCniPath(str(args.flags, 'cni-path') ?? process.env.CNI_PATH),
  });
  report(ctx, installHooks(dirOf(args), settings, args.flags.force === true));
}

export async function uninstall(ctx: CliContext, args: ParsedArgs): Promise<void> {
  expectPositional(args, 0, 0, 'circuit hooks uninstall [--dir DIR] [--force]');
  report(ctx, uninstallHooks(dirOf(args), args.flags.force === true));
}

export async function show(ctx: CliContext, args: ParsedArgs): Promise<void> {
  expectPositional(args, 0, 0, 'circuit hooks show [--dir DIR] [--json]');
  const rows = showHooks(dirOf(args));
  if (ctx.json) return ctx.out(json(rows));
  ctx.out(
    table(
      ['FILE', 'STAGE', 'OWNER', 'BINARY', 'STATE DIR'],
      rows.map((r) => {
        const hook = (r.document as { hook?: { path?: unknown; args?: unknown } } | undefined)?.hook;
        const a = Array.isArray(hook?.args) ? (hook.args as unknown[]) : [];
        const sd = a.indexOf('--state-dir');
        return [
          r.path,
          r.stage,
          r.owner,
          r.owner === 'circuit' ? String(hook?.path ?? '-') : '-',
          r.owner === 'circuit' && sd >= 0 ? String(a[sd + 1] ?? '-') : '-',
        ];
      }),
    ),
  );
}
