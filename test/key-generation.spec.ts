import "./support/pulumi-mocks";
import * as assert from "node:assert/strict";
import { single, synthesize, SynthesizedStack } from "./support/stack-harness";

const ACCESS_KEY = "aws:iam/accessKey:AccessKey";

describe("key slots by generation: no spare key", () => {
  it("creates the slot not yet used (slot b at generation 0) Inactive; it is Active once rotated into", async () => {
    const status = (s: SynthesizedStack, slot: string) => single(s, ACCESS_KEY, `-key-${slot}`).inputs.status;
    const listed = (s: SynthesizedStack) => (s.outputs.accessKeys as Array<{ slot: string; status: string }>).map((k) => `${k.slot}:${k.status}`);
    const first = await synthesize({ keyGeneration: 0 }, "slots");
    assert.deepEqual([status(first, "a"), status(first, "b")], ["Active", "Inactive"]);
    assert.deepEqual(listed(first), ["a:Active", "b:Inactive"]);
    const rotated = await synthesize({ keyGeneration: 1 }, "slots");
    assert.deepEqual([status(rotated, "a"), status(rotated, "b")], ["Active", "Active"]);
    assert.deepEqual(listed(rotated), ["a:Active", "b:Active"]);
    assert.equal(single(rotated, ACCESS_KEY, "-key-b").opts.replacementTrigger, 1, "rotating into slot b replaces its spare key");
  });
});
