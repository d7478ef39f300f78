import { UsageError } from '../errors';

/** redis://[:password@]host:port[/db] or rediss:// (TLS). */
export function checkRedisUrl(url: string): void {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new UsageError(`--redis-url: ${JSON.stringify(url)} is not a URL (redis://host:6379)`);
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:')
    throw new UsageError(`--redis-url: scheme must be redis:// or rediss://, not ${u.protocol}//`);
  if (u.pathname && u.pathname !== '/' && !/^\/\d{1,2}$/.test(u.pathname))
    throw new UsageError(`--redis-url: the path is a database number (/0 .. /15), not ${u.pathname}`);
}
