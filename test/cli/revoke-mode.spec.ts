/** revoke-cohort decides what it does from its flags before it reads anything: one RevokeMode. */
import * as assert from "node:assert/strict";
import { UsageError } from "../../scripts/lib/errors";
import { RevokeOptions, revokeModeOf } from "../../scripts/lib/cli/commands/revoke-cohort-command";

const base: RevokeOptions = { cohort: "melanoma" };

describe("revoke-cohort's mode, decided up front", () => {
  it("revokes, asking first only on a terminal and without --yes", () => {
    assert.deepEqual(revokeModeOf(base, true), { kind: "revoke", ask: true });
    assert.deepEqual(revokeModeOf(base, false), { kind: "revoke", ask: false });
    assert.deepEqual(revokeModeOf({ ...base, yes: true }, true), { kind: "revoke", ask: false });
  });

  it("a dry run plans the rotation with --rotate and needs neither a stack nor a terminal", () => {
    assert.deepEqual(revokeModeOf({ ...base, dryRun: true }, false), {
      kind: "dry-run",
      rotate: false,
      generation: undefined,
    });
    assert.deepEqual(revokeModeOf({ ...base, dryRun: true, rotate: true, generation: "4" }, false), {
      kind: "dry-run",
      rotate: true,
      generation: 4,
    });
  });

  it("rotates through Pulumi (asking unless --yes), or prints the commands without asking", () => {
    assert.deepEqual(revokeModeOf({ ...base, rotate: true, stack: "dev" }, true), {
      kind: "rotate",
      print: false,
      ask: true,
      generation: undefined,
    });
    assert.deepEqual(revokeModeOf({ ...base, rotate: true, print: true }, false), {
      kind: "rotate",
      print: true,
      ask: false,
      generation: undefined,
    });
  });

  it("refuses what cannot run: rotation options without --rotate, no stack, no terminal to ask on", () => {
    assert.throws(() => revokeModeOf({ ...base, print: true }, true), /--print goes with --rotate/);
    assert.throws(() => revokeModeOf({ ...base, generation: "2" }, true), /--generation goes with --rotate/);
    assert.throws(() => revokeModeOf({ ...base, rotate: true }, true), /pass --stack NAME/);
    assert.throws(
      () => revokeModeOf({ ...base, rotate: true, stack: "dev" }, false),
      (error: unknown) => error instanceof UsageError && /no terminal to ask on/.test(error.message),
    );
  });
});
