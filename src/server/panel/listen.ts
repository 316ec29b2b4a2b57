import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import type express from "express";

/**
 * An express app listening on `host:port` with the limits every page server here keeps: slow or
 * idle clients are cut, at most 64 connections. A plan or an apply reads PVE (each request up
 * to its own timeout), so a request may take up to a minute.
 */
export async function listenApp(
  app: express.Express,
  port: number,
  host: string,
): Promise<{ port: number; close(): Promise<void> }> {
  const server: Server = await new Promise((resolve, reject) => {
    const s = app.listen(port, host, (err?: Error) => (err ? reject(err) : resolve(s)));
    s.once("error", reject);
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 60_000;
  server.keepAliveTimeout = 5_000;
  server.maxConnections = 64;
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
