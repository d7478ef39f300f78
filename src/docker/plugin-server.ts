import { chmodSync, mkdirSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { ZodError } from 'zod';
import { CircuitError, errorMessage, UsageError } from '../errors';
import { type Service, settleBy } from '../lifecycle';
import type { Logger } from '../log';
import { firstIssue } from '../names';
import type { DockerDriver, Handler } from './driver';

export const PLUGIN_DIR = '/run/docker/plugins';
const MAX_BODY = 1024 * 1024;
const CONTENT_TYPE = 'application/vnd.docker.plugins.v1+json';

export function checkPluginName(name: string): string {
  if (!/^[a-z0-9][a-z0-9._-]{0,62}$/.test(name))
    throw new UsageError(
      `--docker-plugin: ${JSON.stringify(name)} is not a plugin name (lower case, digits, . _ -)`,
    );
  return name;
}

function readBody(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new UsageError('request body larger than 1 MiB'));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8').trim();
      if (!text) return resolve({});
      try {
        resolve(JSON.parse(text));
      } catch {
        reject(new UsageError('request body is not JSON'));
      }
    });
    req.on('error', reject);
  });
}

/**
 * Docker's plugin protocol (HTTP/1.1 over a unix socket, JSON bodies) at
 * /run/docker/plugins/NAME.sock. Failures are a non-2xx status with {"Err": "..."}, which is what
 * both the network and the IPAM API read; a bad call never stops the daemon.
 */
export class DockerPluginServer implements Service {
  readonly name = 'docker-plugin';
  private server: Server | undefined;
  readonly socket: string;

  constructor(
    name: string,
    private readonly driver: DockerDriver,
    private readonly log: Logger,
    dir = PLUGIN_DIR,
  ) {
    this.socket = join(dir, `${checkPluginName(name)}.sock`);
  }

  async start(): Promise<void> {
    mkdirSync(join(this.socket, '..'), { recursive: true, mode: 0o755 });
    rmSync(this.socket, { force: true });
    const table = this.driver.routes();
    const server = createServer((req, res) => void this.handle(table, req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.socket, () => resolve());
    });
    chmodSync(this.socket, 0o600);
    this.server = server;
  }

  /** Stop accepting; calls in progress (dockerd waiting for an endpoint) have until the deadline. */
  async stop(deadline: number): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (s) {
      const closed = new Promise<void>((resolve) => s.close(() => resolve()));
      s.closeIdleConnections();
      if (!(await settleBy(closed, deadline))) s.closeAllConnections();
    }
    rmSync(this.socket, { force: true });
  }

  private async handle(
    table: Record<string, Handler>,
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<void> {
    const started = performance.now();
    const path = (req.url ?? '').split('?')[0] ?? '';
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { 'Content-Type': CONTENT_TYPE });
      res.end(JSON.stringify(body));
      this.log.log(status === 200 ? 'debug' : 'warn', 'docker plugin call', {
        call: path,
        status,
        ms: Math.round(performance.now() - started),
        ...(status === 200 ? {} : { error: (body as { Err?: string }).Err }),
      });
    };
    const handler = table[path];
    if (!handler) return reply(404, { Err: `circuit: no such plugin call ${path}` });
    try {
      reply(200, await handler(await readBody(req)));
    } catch (err) {
      const msg =
        err instanceof ZodError
          ? `circuit: bad request: ${firstIssue(err)}`
          : err instanceof CircuitError
            ? err.message
            : `circuit: internal error: ${errorMessage(err)}`;
      reply(err instanceof ZodError || err instanceof UsageError ? 400 : 500, { Err: msg });
    }
  }
}
