import { request } from 'node:http';
import { z } from 'zod';
import { UsageError } from '../errors';

const networkInfo = z.looseObject({
  Id: z.string(),
  Name: z.string(),
  Containers: z
    .record(
      z.string(),
      z.looseObject({
        Name: z.string().optional(),
        EndpointID: z.string(),
        MacAddress: z.string().optional(),
      }),
    )
    .nullish(),
});
export type NetworkInfo = z.infer<typeof networkInfo>;

const containerInfo = z.looseObject({
  Id: z.string(),
  Name: z.string(),
  Config: z.looseObject({ Labels: z.record(z.string(), z.string()).nullish() }).nullish(),
});
export type ContainerInfo = z.infer<typeof containerInfo>;

const versionInfo = z.looseObject({ Version: z.string() });

/** `--docker-host`: unix:///var/run/docker.sock (the default) or another unix socket. */
export function dockerSocket(host: string): string {
  const m = /^unix:\/\/(\/.+)$/.exec(host);
  if (!m?.[1])
    throw new UsageError(`--docker-host: expected unix:///path/to/docker.sock, not ${JSON.stringify(host)}`);
  return m[1];
}

/**
 * The few reads circuit needs from the Docker Engine API (network names and members, container
 * names and labels), over dockerd's unix socket with node's HTTP client; every answer validated.
 */
export class DockerEngine {
  constructor(readonly socket: string) {}

  /** dockerd's version; throws when dockerd cannot be asked. */
  async version(): Promise<string> {
    return (await this.get('/version', versionInfo))?.Version ?? '';
  }

  network(id: string): Promise<NetworkInfo | undefined> {
    return this.get(`/networks/${encodeURIComponent(id)}`, networkInfo);
  }

  container(id: string): Promise<ContainerInfo | undefined> {
    return this.get(`/containers/${encodeURIComponent(id)}/json`, containerInfo);
  }

  /** A validated document, undefined for 404; throws when dockerd cannot be asked. */
  private get<T>(path: string, schema: z.ZodType<T>): Promise<T | undefined> {
    return new Promise((resolve, reject) => {
      const req = request({ socketPath: this.socket, path: `/v1.41${path}`, timeout: 5000 }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          body += d;
        });
        res.on('end', () => {
          if (res.statusCode === 404) return resolve(undefined);
          if (res.statusCode !== 200) return reject(new Error(`docker ${path}: HTTP ${res.statusCode}`));
          try {
            resolve(schema.parse(JSON.parse(body)));
          } catch (err) {
            reject(new Error(`docker ${path}: unexpected answer (${(err as Error).message.slice(0, 200)})`));
          }
        });
      });
      req.on('timeout', () => req.destroy(new Error('timed out')));
      req.on('error', reject);
      req.end();
    });
  }
}
