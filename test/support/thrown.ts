import * as assert from "node:assert/strict";
import { CliError } from "../../scripts/lib/errors";

/** The CliError `action` throws; fails the test when it throws anything else, or nothing. */
export function thrown(action: () => unknown): CliError {
  try {
    action();
  } catch (error) {
    assert.ok(error instanceof CliError, `expected a CliError, got ${error}`);
    return error;
  }
  assert.fail("did not throw");
}
