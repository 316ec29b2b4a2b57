#!/usr/bin/env node
import { createRequire as __pvebCreateRequire } from 'node:module';
const require = __pvebCreateRequire(import.meta.url); const __dirname = import.meta.dirname;

// src/errors.ts
var ConfigError = class extends Error {
  constructor(problems) {
    super(`invalid options:
${problems.map((p) => `  ${p}`).join("\n")}`);
    this.problems = problems;
  }
  problems;
  name = "ConfigError";
};
var UpstreamError = class extends Error {
  constructor(message, details) {
    super(message, { cause: details.cause });
    this.details = details;
  }
  details;
  name = "UpstreamError";
  get retryable() {
    return this.details.retryable;
  }
};
var InputError = class extends Error {
  name = "InputError";
};

export {
  ConfigError,
  UpstreamError,
  InputError
};
//# sourceMappingURL=chunk-ELGWSNVL.js.map
