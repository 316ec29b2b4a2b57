import { Agent, fetch } from "undici";
import type { SimLab } from "../../src/sim/lab.js";

/** A bare HTTPS client for the simulated lab: what a PVE API client sees on the wire. */

export const ADMIN = { id: "root@pam!pve-backup", secret: "5d1c6a0e-8f3b-4c2a-9e71-2b8d4f6a9c10" };
export const READ_ONLY = { id: "monitor@pve!readonly", secret: "0a9e3b7c-1d2f-4e5a-8b6c-7d8e9f0a1b2c" };

export interface WireResponse {
  status: number;
  statusText: string;
  headers: Headers;
  text: string;
  /** The parsed body, when there is one. */
  json: { data?: unknown; total?: number; message?: string; errors?: Record<string, string> } | undefined;
}

type Params = Record<string, string | number | readonly string[]>;

export interface SimClient {
  request(
    method: string,
    path: string,
    init?: { query?: Params; form?: Params | string; json?: unknown; headers?: Record<string, string> },
  ): Promise<WireResponse>;
  get(path: string, query?: Params): Promise<WireResponse>;
  post(path: string, form?: Params): Promise<WireResponse>;
  put(path: string, form?: Params): Promise<WireResponse>;
  delete(path: string, query?: Params): Promise<WireResponse>;
  /** GET and return `data`, failing loudly on anything but 200. */
  data<T = unknown>(path: string, query?: Params): Promise<T>;
  close(): Promise<void>;
}

function encode(params: Params): string {
  const out = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    for (const item of Array.isArray(v) ? v : [v]) out.append(k, String(item));
  }
  return out.toString();
}

export function simClient(
  lab: Pick<SimLab, "url">,
  token: { id: string; secret: string } | null = ADMIN,
): SimClient {
  const dispatcher = new Agent({ connect: { rejectUnauthorized: false } });
  const request: SimClient["request"] = async (method, path, init = {}) => {
    const headers: Record<string, string> = { ...(init.headers ?? {}) };
    if (token && !("authorization" in headers))
      headers.authorization = `PVEAPIToken=${token.id}=${token.secret}`;
    let body: string | undefined;
    if (init.json !== undefined) {
      body = JSON.stringify(init.json);
      headers["content-type"] = "application/json";
    } else if (init.form !== undefined) {
      body = typeof init.form === "string" ? init.form : encode(init.form);
      headers["content-type"] = "application/x-www-form-urlencoded";
    }
    const query = init.query ? `?${encode(init.query)}` : "";
    const res = await fetch(`${lab.url}/api2/json${path}${query}`, { method, headers, body, dispatcher });
    const text = await res.text();
    let json: WireResponse["json"];
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    return { status: res.status, statusText: res.statusText, headers: res.headers, text, json };
  };
  return {
    request,
    get: (path, query) => request("GET", path, { query }),
    post: (path, form) => request("POST", path, { form: form ?? {} }),
    put: (path, form) => request("PUT", path, { form: form ?? {} }),
    delete: (path, query) => request("DELETE", path, { query }),
    async data<T>(path: string, query?: Params) {
      const r = await request("GET", path, { query });
      if (r.status !== 200) throw new Error(`GET ${path}: ${r.status} ${r.statusText} ${r.text}`);
      return r.json?.data as T;
    },
    close: () => dispatcher.close(),
  };
}

/** `encodeURIComponent` for a UPID path segment. */
export const enc = encodeURIComponent;
