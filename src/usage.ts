import { InputError } from "./errors.js";

/** A mistake on the command line itself (a flag, a word, a value): one line and a pointer to --help, exit 64. */
export class UsageError extends InputError {}

/** Runs node's `parseArgs`, turning what it throws into a one-line UsageError. */
export function parseCommandLine<T>(parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    // Node adds a paragraph about `--` to an unknown option; the first sentence says it all.
    throw new UsageError((err as Error).message.replace(/\. To specify a positional argument.*$/s, ""));
  }
}
