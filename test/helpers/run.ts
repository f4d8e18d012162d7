// Running external tools from tests with a readable failure (command, exit code, stderr tail).
import { spawn } from 'node:child_process';

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  env?: Record<string, string | undefined>;
  cwd?: string;
  input?: string;
  /** Resolve with the result instead of rejecting on a non-zero exit. */
  allowFail?: boolean;
  timeoutMs?: number;
}

export class ToolError extends Error {
  readonly code = 'TEST_TOOL_FAILED';
  constructor(readonly command: string, readonly result: RunResult) {
    super(`${command} exited ${result.code}\n--- stderr (tail) ---\n${result.stderr.slice(-3000)}\n--- stdout (tail) ---\n${result.stdout.slice(-2000)}`);
  }
}

export function run(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, {
      cwd: opts.cwd,
      env: { ...process.env, ...opts.env },
      stdio: ['pipe', 'pipe', 'pipe'],
      timeout: opts.timeoutMs ?? 300_000,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const result: RunResult = {
        code: code ?? (signal !== null ? 128 : 1),
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      };
      if (result.code !== 0 && opts.allowFail !== true) {
        reject(new ToolError(`${cmd} ${args.join(' ')}`, result));
      } else {
        resolvePromise(result);
      }
    });
    // A child that exits without reading stdin makes this write fail with EPIPE; its exit code
    // (reported on 'close') is what matters, so the pipe error is not an error of the run.
    child.stdin.on('error', () => undefined);
    child.stdin.end(opts.input ?? '');
  });
}
