// Shell completion scripts: bash completes commands, flags and stored names; zsh/fish scripts load.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { bridgeNetwork } from '../helpers/cni';
import { CIRCUIT_BIN, CNI_PATH, circuit, tmpDir } from '../helpers/sys';

/** Run the bash completion function for a command line (the word under the cursor last). */
function complete(bin: string, words: string[]): string[] {
  const script = circuit(['completion', 'bash']).out;
  const prog = `
source /dev/stdin <<'CIRCUIT_EOF'
${script}
CIRCUIT_EOF
COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')})
COMP_CWORD=${words.length - 1}
_circuit
printf '%s\\n' "\${COMPREPLY[@]}"
`;
  const r = spawnSync('bash', ['--norc', '-c', prog], {
    encoding: 'utf8',
    env: { PATH: `${bin}:${process.env.PATH}`, CNI_PATH },
  });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.split('\n').filter(Boolean).sort();
}

describe('circuit completion', () => {
  it('bash: commands, subcommands, flags and stored network / service names', (t) => {
    const dir = tmpDir(t);
    const bin = join(dir, 'bin');
    spawnSync('mkdir', ['-p', bin]);
    writeFileSync(join(bin, 'circuit'), `#!/bin/sh\nexec ${process.execPath} ${CIRCUIT_BIN} "$@"\n`);
    chmodSync(join(bin, 'circuit'), 0o755);
    assert.deepEqual(complete(bin, ['circuit', 'net']), ['network']);
    assert.deepEqual(complete(bin, ['circuit', 'network', 'q']), ['qos']);
    assert.deepEqual(complete(bin, ['circuit', 'network', 'qos', '']), ['reset', 'set', 'show']);
    assert.ok(complete(bin, ['circuit', 'network', 'create', 'x', '--sub']).includes('--subnet'));
    const stateDir = join(dir, 'state');
    const net = bridgeNetwork(t, dir);
    assert.equal(circuit(['network', 'create', 'alpha', net.file], { stateDir }).code, 0);
    assert.equal(circuit(['network', 'create', 'beta', net.file, '--allow-overlap'], { stateDir }).code, 0);
    assert.deepEqual(complete(bin, ['circuit', '--state-dir', stateDir, 'network', 'inspect', '']), [
      'alpha',
      'beta',
    ]);
    assert.deepEqual(complete(bin, ['circuit', '--state-dir', stateDir, 'network', 'rm', 'a']), ['alpha']);
    assert.deepEqual(complete(bin, ['circuit', '--state-dir', stateDir, 'lb', 'delete', '']), []);
  });

  it('zsh and fish scripts are printed; an unknown shell is a usage error', () => {
    assert.match(circuit(['completion', 'zsh']).out, /bashcompinit/);
    const fish = circuit(['completion', 'fish']);
    assert.equal(fish.code, 0);
    assert.match(fish.out, /complete -c circuit -n __fish_use_subcommand -a '.*network/);
    assert.match(fish.out, /circuit __complete networks/);
    const bad = circuit(['completion', 'tcsh']);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /unknown shell "tcsh"/);
  });
});
