/**
 * A command of the CLI run as a real child process (the tests' CLI runner) through the fault proxy,
 * signalled at chosen points: the proxy holds the request a rule chooses and says so, the test sends
 * the signal there. Used by the kill and interrupt tests.
 */
import * as assert from "node:assert/strict";
import { withoutNpmVariables } from "../../scripts/lib/cli/shell";
import { spawnCli } from "./cli-runner";
import { FaultProxy, FaultRule, ProxiedRequest } from "./fault-proxy";

/** Hold the request `rule` chooses (once), then send `signal` to the child. */
export interface SignalStep {
  rule: Omit<FaultRule, "onFault" | "times">;
  signal: NodeJS.Signals;
}

export interface SignalledRun {
  stdout: string;
  stderr: string;
  /** The exit code, or null when a signal ended the child. */
  code: number | null;
  /** The signal that ended the child, or null when it exited by itself. */
  signal: NodeJS.Signals | null;
  /** The requests held, one per step. */
  reached: ProxiedRequest[];
}

/**
 * Runs the command `script` with `args` (and `env` added to this process's, npm's variables left out), signals it at each
 * step in turn, and resolves once it exited.
 */
export async function signalAtPoints(
  proxy: FaultProxy,
  script: string,
  args: readonly string[],
  steps: readonly SignalStep[],
  env: NodeJS.ProcessEnv = {},
): Promise<SignalledRun> {
  const reached: Array<Promise<ProxiedRequest>> = [];
  const rules: FaultRule[] = steps.map(({ rule }) => {
    let resolve!: (request: ProxiedRequest) => void;
    reached.push(new Promise((settle) => (resolve = settle)));
    return { ...rule, times: 1, onFault: (request) => resolve(request) };
  });
  proxy.resetLog();
  proxy.setRules(rules);
  const { child, output, exited } = spawnCli(script, args, { ...withoutNpmVariables(process.env), ...env });
  child.stdin.end();
  const held: ProxiedRequest[] = [];
  for (const [index, step] of steps.entries()) {
    const outcome = await Promise.race([
      reached[index].then((request) => ({ request })),
      exited.then(([code]) => ({ exitedFirst: code })),
    ]);
    if ("exitedFirst" in outcome)
      assert.fail(`${script} exited (${outcome.exitedFirst}) before step ${index + 1} was reached: ${output.stderr}`);
    held.push(outcome.request);
    assert.ok(child.kill(step.signal));
  }
  const [code, signal] = await exited;
  proxy.setRules([]);
  // The child's connections close; the proxy abandons their upstream halves, and the server drops partial uploads.
  await proxy.idle();
  await new Promise((resolve) => setTimeout(resolve, 200));
  return { stdout: output.stdout, stderr: output.stderr, code, signal, reached: held };
}
