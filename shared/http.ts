import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getRequestIP, toNodeHandler, type H3, type H3Event } from 'h3';

/**
 * The caller's IP address. Forwarded headers are trusted only when the operator
 * says a proxy sits in front (TRUST_PROXY); otherwise anyone could forge them.
 */
export function clientIp(event: H3Event, trustProxy: boolean): string | null {
  const ip = getRequestIP(event, { xForwardedFor: trustProxy });
  if (!ip) return null;
  return ip.startsWith('::ffff:') ? ip.slice(7) : ip;
}

export interface Listening {
  server: Server;
  /** The base URL actually bound (useful when the port was 0). */
  url: string;
  close(): Promise<void>;
}

/** Serves an h3 app on Node's HTTP server. */
export async function listen(app: H3, host: string, port: number): Promise<Listening> {
  const server = createServer(toNodeHandler(app));
  // Keep-alive longer than typical load balancer idle timeouts, so they close first.
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const hostForUrl = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    server,
    url: `http://${hostForUrl}:${address.port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
