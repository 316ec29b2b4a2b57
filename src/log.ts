/** The one logger shape adapters receive; the composition root decides where lines go. */
export interface Logger {
  debug(msg: string): void;
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
}

export type LogLevel = "debug" | "info" | "warn" | "error";
const order: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

/** Lines to stderr with level and time; nothing below `level`. */
export function createConsoleLogger(
  level: LogLevel = "info",
  write = (s: string) => process.stderr.write(s),
): Logger {
  const at = (l: LogLevel) => (msg: string) => {
    if (order[l] >= order[level]) write(`${new Date().toISOString()} ${l.toUpperCase().padEnd(5)} ${msg}\n`);
  };
  return { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
