import type { Logger } from "./log.js";

/**
 * The last line of defence of the long-running service: an exception nobody caught, or a
 * promise nobody awaited that failed, is logged (never silently) and ends the process with a
 * non-zero code, so the Supervisor sees a crash and restarts it instead of a half-dead service.
 */
export interface FatalHooks {
  on(event: "uncaughtException", listener: (err: unknown) => void): unknown;
  on(event: "unhandledRejection", listener: (reason: unknown) => void): unknown;
}

export function installFatalHandlers(proc: FatalHooks, log: Logger, exit: (code: number) => void): void {
  const die = (what: string) => (err: unknown) => {
    log.error(`${what}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    exit(70);
  };
  proc.on("uncaughtException", die("uncaught exception, stopping"));
  proc.on("unhandledRejection", die("unhandled promise rejection, stopping"));
}
