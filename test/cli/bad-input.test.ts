// Bad input: exit code != 0, one clear line on stderr, no stack, state dir byte-for-byte unchanged.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { bridgeNetwork } from '../helpers/cni';
import { ociBundle } from '../helpers/oci';
import { circuit, netns, tmpDir, uid } from '../helpers/sys';
import { ARGS, CONFIGS, HOOK_ENVS, OCI_STATES, RESULTS } from './bad-input-corpus';

/** Every file (and its bytes) under the state dir, except the hook log. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const f of readdirSync(d)) {
      const p = join(d, f);
      if (statSync(p).isDirectory()) walk(p);
      else if (f !== 'hook.log' && f !== 'hook.log.1') out[p] = readFileSync(p, 'base64');
    }
  };
  walk(dir);
  return out;
}

function refused(r: { code: number; err: string }, re: RegExp, label: string, code?: number): void {
  if (code !== undefined) assert.equal(r.code, code, `${label}: exit ${r.code}: ${r.err}`);
  else assert.notEqual(r.code, 0, `${label}: exit 0`);
  const lines = r.err.trimEnd().split('\n');
  assert.equal(lines.length, 1, `${label}: one line: ${r.err}`);
  assert.match(lines[0] ?? '', /^circuit: /, label);
  assert.match(r.err, re, label);
  assert.doesNotMatch(r.err, /\s+at .*:\d+:\d+|Error:|ZodError/, `${label}: no stack`);
}

describe('bad-input corpus', () => {
  it(`has at least 100 cases`, () => {
    const total = OCI_STATES.length + HOOK_ENVS.length + CONFIGS.length + RESULTS.length + ARGS.length;
    assert.ok(total >= 100, `${total} cases`);
  });

  it(`CLI arguments (${ARGS.length} cases)`, (t) => {
    const dir = tmpDir(t);
    const stateDir = join(dir, 'state');
    const net = bridgeNetwork(t, dir);
    const unused = bridgeNetwork(t, dir);
    assert.equal(circuit(['network', 'create', net.file], { stateDir }).code, 0);
    const before = snapshot(stateDir);
    for (const [args, code, re] of ARGS) {
      const argv = args.map((a) => (a === 'NET' ? net.name : a === 'FILE' ? unused.file : a));
      refused(circuit(argv, { stateDir }), re, argv.join(' '), code);
    }
    assert.deepEqual(snapshot(stateDir), before, 'state dir unchanged');
  });

  it(`network config documents (${CONFIGS.length} cases)`, (t) => {
    const dir = tmpDir(t);
    const stateDir = join(dir, 'state');
    const net = bridgeNetwork(t, dir);
    assert.equal(circuit(['network', 'create', net.file], { stateDir }).code, 0);
    const before = snapshot(stateDir);
    for (const [label, text, re] of CONFIGS) {
      const file = join(dir, `bad-${uid()}.conflist`);
      writeFileSync(file, text);
      refused(circuit(['network', 'create', file], { stateDir }), re, label);
      refused(circuit(['network', 'create', `named-${uid()}`, file], { stateDir }), re, `${label} (named)`);
    }
    assert.deepEqual(snapshot(stateDir), before, 'state dir unchanged');
  });

  it(`OCI state and hook environment (${OCI_STATES.length + HOOK_ENVS.length} cases)`, (t) => {
    const dir = tmpDir(t);
    const stateDir = join(dir, 'state');
    const net = bridgeNetwork(t, dir);
    assert.equal(circuit(['network', 'create', net.file], { stateDir }).code, 0);
    const before = snapshot(stateDir);
    for (const [label, input, re] of OCI_STATES) {
      refused(
        circuit(['hook', 'createRuntime'], { stateDir, input, env: { CNI_CONF: net.file } }),
        re,
        label,
        2,
      );
    }
    const ns = netns(t);
    const b = ociBundle(dir, { netnsPath: ns.path });
    for (const [label, env, re] of HOOK_ENVS) {
      const e = Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v === 'NET' ? net.file : v]));
      refused(circuit(['hook', 'createRuntime'], { stateDir, input: b.state(), env: e }), re, label);
    }
    assert.deepEqual(snapshot(stateDir), before, 'state dir unchanged');
  });

  it(`malformed plugin results are rolled back (${RESULTS.length} cases)`, (t) => {
    const dir = tmpDir(t);
    const stateDir = join(dir, 'state');
    const ns = netns(t);
    for (const [label, bad, re] of RESULTS) {
      const file = join(dir, `r-${uid()}.conflist`);
      writeFileSync(
        file,
        JSON.stringify({
          cniVersion: '1.0.0',
          name: `r-${uid()}`,
          plugins: [{ type: 'circuit-test', badResult: bad }],
        }),
      );
      const b = ociBundle(dir, { netnsPath: ns.path });
      refused(
        circuit(['hook', 'createRuntime'], { stateDir, input: b.state(), env: { CNI_CONF: file } }),
        re,
        label,
        5,
      );
    }
    assert.deepEqual(snapshot(stateDir), {}, 'no state file left (only the hook log)');
  });
});
