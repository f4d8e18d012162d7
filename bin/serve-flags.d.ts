// Types of bin/serve-flags.js (plain JavaScript, so that any Node can parse the launcher), for the tests.
export declare const SERVE_V8_FLAGS: readonly string[];
export declare function serveFlagsToAdd(args: readonly string[], execArgv: readonly string[], nodeOptions: string | undefined): string[];
