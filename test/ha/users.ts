import WebSocket from "ws";
import type { Hass } from "./hass.js";

/**
 * Home Assistant users for permission tests: created over the websocket (`config/auth/create`,
 * then a local login with `config/auth_provider/homeassistant/create`) and logged in through
 * the login flow, as the frontend does, so every call carries that user.
 */

export type UserGroup = "system-admin" | "system-users" | "system-read-only";

export interface HaUser {
  readonly id: string;
  readonly name: string;
  /** An access token of the user's own login (valid 30 min). */
  readonly token: string;
}

export async function createUser(hass: Hass, name: string, group: UserGroup): Promise<HaUser> {
  const username = name.toLowerCase().replace(/[^a-z0-9]+/g, "-");
  const password = `${username}-password-123`;
  const { user } = await hass.ws<{ user: { id: string } }>({
    type: "config/auth/create",
    name,
    group_ids: [group],
  });
  await hass.ws({ type: "config/auth_provider/homeassistant/create", user_id: user.id, username, password });
  return { id: user.id, name, token: await logIn(hass.url, username, password) };
}

/** An access token of a user through the login flow (some APIs want a user's own, not a long-lived one). */
export async function logIn(url: string, username: string, password: string): Promise<string> {
  const clientId = `${url}/`;
  const post = async (path: string, body: unknown) => {
    const res = await fetch(`${url}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    return (await res.json()) as Record<string, unknown>;
  };
  const flow = await post("/auth/login_flow", {
    client_id: clientId,
    handler: ["homeassistant", null],
    redirect_uri: clientId,
  });
  const done = await post(`/auth/login_flow/${String(flow.flow_id)}`, {
    client_id: clientId,
    username,
    password,
  });
  if (done.type !== "create_entry") throw new Error(`login as ${username}: ${JSON.stringify(done)}`);
  const tokens = await fetch(`${url}/auth/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "authorization_code",
      code: String(done.result),
      client_id: clientId,
    }).toString(),
  });
  return ((await tokens.json()) as { access_token: string }).access_token;
}

export interface WsReply {
  readonly id: number;
  readonly type: string;
  readonly success?: boolean;
  readonly result?: unknown;
  readonly error?: {
    code: string;
    message: string;
    translation_key?: string;
    translation_placeholders?: unknown;
  };
  readonly event?: Record<string, unknown>;
}

/** One authenticated websocket that stays open: commands get their reply, events are kept. */
export interface WsSession {
  command(msg: Record<string, unknown>): Promise<WsReply>;
  /** Send without waiting; the reply comes through `reply(id)`. */
  send(msg: Record<string, unknown>): number;
  reply(id: number): Promise<WsReply>;
  /** The next event on a subscription id. */
  event(id: number): Promise<Record<string, unknown>>;
  close(): void;
}

export async function openSession(url: string, token: string): Promise<WsSession> {
  const ws = new WebSocket(`${url.replace(/^http/, "ws")}/api/websocket`);
  const replies = new Map<number, WsReply>();
  const events: WsReply[] = [];
  const waiters: (() => void)[] = [];
  let nextId = 1;
  await new Promise<void>((resolve, reject) => {
    ws.on("message", (raw) => {
      const m = JSON.parse(String(raw)) as WsReply & { type: string };
      if (m.type === "auth_required") ws.send(JSON.stringify({ type: "auth", access_token: token }));
      else if (m.type === "auth_ok") resolve();
      else if (m.type === "auth_invalid") reject(new Error("auth_invalid"));
      else {
        if (m.type === "event") events.push(m);
        else replies.set(m.id, m);
        for (const wake of waiters.splice(0)) wake();
      }
    });
    ws.on("error", reject);
  });
  const until = async <T>(take: () => T | undefined, what: string): Promise<T> => {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const found = take();
      if (found !== undefined) return found;
      if (Date.now() > deadline) throw new Error(`no ${what} within 30 s`);
      await new Promise<void>((r) => {
        waiters.push(r);
        setTimeout(r, 1_000);
      });
    }
  };
  const session: WsSession = {
    send(msg) {
      const id = nextId++;
      ws.send(JSON.stringify({ ...msg, id }));
      return id;
    },
    reply: (id) => until(() => replies.get(id), `reply to ${id}`),
    command: (msg) => session.reply(session.send(msg)),
    event: (id) =>
      until(() => {
        const i = events.findIndex((e) => e.id === id);
        return i < 0 ? undefined : (events.splice(i, 1)[0]?.event ?? {});
      }, `event on ${id}`),
    close: () => ws.close(),
  };
  return session;
}
