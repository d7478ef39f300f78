// Networks whose undo fails on purpose: the circuit-test plugin with DEL failing, and a `tc`
// wrapper (first on PATH) that passes calls to the real tc until it is told to fail.
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sh, uid } from './sys';

/** A circuit-test network (no kernel objects) whose DEL always fails. */
export function failingDelNetwork(dir: string): { name: string; file: string; recordDir: string } {
  const name = `rb-${uid()}`;
  const recordDir = join(dir, 'records');
  const file = join(dir, `${name}.conflist`);
  writeFileSync(
    file,
    JSON.stringify({
      cniVersion: '1.0.0',
      name,
      plugins: [{ type: 'circuit-test', recordDir, failOn: ['DEL'], address: '198.19.250.7/24' }],
    }),
  );
  return { name, file, recordDir };
}

/**
 * A directory with a `tc` that runs the real one for its first `okBatches` batch calls
 * (`tc -force -batch -`) and fails every batch call after that (queries still pass through).
 */
export function failingTc(dir: string, okBatches: number): { path: string; calls: () => number } {
  const bin = join(dir, 'tc-wrap');
  const real = sh(['sh', '-c', 'command -v tc']).trim();
  const count = join(dir, `tc-calls-${uid()}`);
  sh(['mkdir', '-p', bin]);
  writeFileSync(
    join(bin, 'tc'),
    `#!/bin/bash
case " $* " in
  *" -batch "*)
    n=$(( $(cat ${count} 2>/dev/null || echo 0) + 1 )); echo $n > ${count}
    if [ $n -gt ${okBatches} ]; then
      cat >/dev/null
      echo "RTNETLINK answers: Operation not permitted (injected, call $n)" >&2
      echo "Command failed -:2" >&2
      exit 1
    fi ;;
esac
exec ${real} "$@"
`,
  );
  chmodSync(join(bin, 'tc'), 0o755);
  return {
    path: `${bin}:${process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin'}`,
    calls: () => Number(sh(['sh', '-c', `cat ${count} 2>/dev/null || echo 0`]).trim()),
  };
}
