import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { CIRCUIT_HOOK, CNI_PATH, defer, sh, trySh, uid } from './sys';

type Cleanup = Pick<TestContext, 'after'>;

const APPLETS = [
  'sh',
  'sleep',
  'ping',
  'ip',
  'ifconfig',
  'cat',
  'echo',
  'httpd',
  'wget',
  'nc',
  'true',
  'nslookup',
];

/** A read-only busybox-static rootfs shared by the containers of a test. */
export function busyboxRootfs(dir: string): string {
  const rootfs = join(dir, 'rootfs');
  for (const d of ['bin', 'proc', 'sys', 'dev', 'tmp', 'etc', 'www'])
    mkdirSync(join(rootfs, d), { recursive: true });
  copyFileSync('/bin/busybox', join(rootfs, 'bin/busybox'));
  sh(['chmod', '755', join(rootfs, 'bin/busybox')]);
  for (const a of APPLETS) symlinkSync('busybox', join(rootfs, 'bin', a));
  writeFileSync(join(rootfs, 'etc/passwd'), 'root:x:0:0:root:/:/bin/sh\n');
  return rootfs;
}

let specTemplate: Record<string, unknown> | undefined;
function template(dir: string): Record<string, unknown> {
  if (!specTemplate) {
    const d = join(dir, `spec-${uid()}`);
    mkdirSync(d);
    sh(['runc', 'spec', '--bundle', d]);
    specTemplate = JSON.parse(readFileSync(join(d, 'config.json'), 'utf8')) as Record<string, unknown>;
  }
  return structuredClone(specTemplate);
}

export interface Runc {
  root: string;
  stateDir: string;
  bundle: (opts: BundleOpts) => { id: string; bundle: string };
  run: (id: string, bundle: string) => Promise<{ code: number; err: string }>;
  exec: (id: string, argv: string[]) => { code: number; out: string; err: string };
  del: (id: string) => { code: number; err: string };
  list: () => string[];
}

export interface BundleOpts {
  id?: string;
  args?: string[];
  cniConf?: string;
  annotations?: Record<string, string>;
  hookEnv?: Record<string, string>;
  stage?: 'createRuntime' | 'prestart';
  hooks?: boolean;
  /** Also run circuit at poststart (a topology's commands). */
  poststart?: boolean;
  bin?: string;
}

/** runc with its own --root and a circuit state dir; every container is force-deleted after the test. */
export function runcEnv(t: Cleanup, dir: string, rootfs: string): Runc {
  const root = join(dir, 'runc');
  const stateDir = join(dir, 'state');
  const ids = new Set<string>();
  defer(t, () => {
    for (const id of ids) trySh(['runc', '--root', root, 'delete', '--force', id]);
  });
  const r: Runc = {
    root,
    stateDir,
    bundle(opts) {
      const id = opts.id ?? `c${uid(4)}`;
      const bundle = join(dir, `b-${id}`);
      mkdirSync(bundle, { recursive: true });
      const spec = template(dir) as {
        root: unknown;
        process: { args: string[]; terminal: boolean; capabilities: Record<string, string[]> };
        hooks?: unknown;
        annotations?: Record<string, string>;
        hostname?: string;
      };
      spec.root = { path: rootfs, readonly: true };
      spec.process.terminal = false;
      spec.process.args = opts.args ?? ['/bin/sleep', '3600'];
      for (const set of Object.values(spec.process.capabilities)) set.push('CAP_NET_RAW');
      spec.hostname = id;
      if (opts.annotations) spec.annotations = opts.annotations;
      if (opts.hooks !== false) {
        const env = [
          `PATH=${process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin'}`,
          `CNI_PATH=${CNI_PATH}`,
          ...(opts.cniConf ? [`CNI_CONF=${opts.cniConf}`] : []),
          ...Object.entries(opts.hookEnv ?? {}).map(([k, v]) => `${k}=${v}`),
        ];
        const bin = opts.bin ?? CIRCUIT_HOOK;
        const stage = opts.stage ?? 'createRuntime';
        spec.hooks = {
          [stage]: [{ path: bin, args: ['circuit', 'hook', stage, '--state-dir', stateDir], env }],
          poststop: [{ path: bin, args: ['circuit', 'hook', 'poststop', '--state-dir', stateDir], env }],
          ...(opts.poststart
            ? {
                poststart: [
                  { path: bin, args: ['circuit', 'hook', 'poststart', '--state-dir', stateDir], env },
                ],
              }
            : {}),
        };
      }
      writeFileSync(join(bundle, 'config.json'), JSON.stringify(spec, null, 2));
      ids.add(id);
      return { id, bundle };
    },
    run(id, bundle) {
      return new Promise((resolve) => {
        const p = spawn('runc', ['--root', root, 'run', '-d', '--bundle', bundle, id], {
          stdio: ['ignore', 'ignore', 'pipe'],
        });
        let err = '';
        p.stderr.on('data', (d) => {
          err += String(d);
        });
        p.on('exit', (code) => resolve({ code: code ?? -1, err }));
      });
    },
    exec(id, argv) {
      return trySh(['runc', '--root', root, 'exec', id, ...argv]);
    },
    del(id) {
      const res = trySh(['runc', '--root', root, 'delete', '--force', id]);
      return { code: res.code, err: res.err };
    },
    list() {
      const out = trySh(['runc', '--root', root, 'list', '--format', 'json']).out.trim();
      const arr = (out && out !== 'null' ? JSON.parse(out) : []) as { id: string }[];
      return arr.map((c) => c.id);
    },
  };
  return r;
}
