import { request } from "node:http";
import { connect, type Socket } from "node:net";

/** Plain HTTP and raw TCP clients for the service's listeners, well-behaved or not. */

export interface Answer {
  status: number;
  headers: Record<string, unknown>;
  body: string;
}

export function call(
  base: string,
  method: string,
  path: string,
  body?: string | Buffer,
  headers: Record<string, string> = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}${path}`, { method, headers, agent: false }, (res) => {
      let text = "";
      res.on("data", (c) => {
        text += c;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

/** Sends `bytes` as they are and collects what comes back until the server closes. */
export function raw(port: number, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1", () => socket.write(bytes));
    let text = "";
    socket.on("data", (c) => {
      text += c;
    });
    socket.on("error", reject);
    socket.on("close", () => resolve(text));
  });
}

/** A connection that sends `bytes` and then nothing more; resolves with all it got once closed. */
export function stall(port: number, bytes = ""): { socket: Socket; closed: Promise<string> } {
  const socket = connect(port, "127.0.0.1", () => {
    if (bytes) socket.write(bytes);
  });
  let text = "";
  socket.on("data", (c) => {
    text += c;
  });
  socket.on("error", () => {
    // A reset is one of the ways a server may drop the connection: `closed` says so.
  });
  return { socket, closed: new Promise((resolve) => socket.on("close", () => resolve(text))) };
}
