import { EventEmitter } from "node:events";
import { describe, expect, it } from "vitest";
import { installFatalHandlers } from "../../src/fatal.js";
import type { Logger } from "../../src/log.js";

describe("installFatalHandlers", () => {
  it.each([
    [
      "uncaughtException",
      new TypeError("Invalid URL"),
      /^uncaught exception, stopping: TypeError: Invalid URL\n\s+at /,
    ],
    [
      "unhandledRejection",
      "the socket went away",
      /^unhandled promise rejection, stopping: the socket went away$/,
    ],
  ])("logs an %s before it ends the process with a non-zero code", (event, error, line) => {
    const proc = new EventEmitter();
    const lines: string[] = [];
    const log: Logger = { debug() {}, info() {}, warn() {}, error: (m) => lines.push(m) };
    const exits: number[] = [];
    installFatalHandlers(proc, log, (code) => exits.push(code));
    proc.emit(event, error);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(line);
    expect(exits).toEqual([70]);
  });
});
