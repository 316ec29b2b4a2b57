#!/usr/bin/env node
import { createRequire as __pvebCreateRequire } from 'node:module';
const require = __pvebCreateRequire(import.meta.url); const __dirname = import.meta.dirname;

// src/log.ts
var order = { debug: 0, info: 1, warn: 2, error: 3 };
function createConsoleLogger(level = "info", write = (s) => process.stderr.write(s)) {
  const at = (l) => (msg) => {
    if (order[l] >= order[level]) write(`${(/* @__PURE__ */ new Date()).toISOString()} ${l.toUpperCase().padEnd(5)} ${msg}
`);
  };
  return { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}
var silentLogger = { debug() {
}, info() {
}, warn() {
}, error() {
} };

export {
  createConsoleLogger,
  silentLogger
};
//# sourceMappingURL=chunk-YQWVOA7C.js.map
