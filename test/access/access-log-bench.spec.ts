import * as assert from "node:assert/strict";
import { parseAccessLog } from "../../scripts/lib/access/access-log-format";
import { presignedSigner } from "../../scripts/lib/access/attribution";
import { benchAccessLogParser, splitBaseline, syntheticLogText } from "../../scripts/lib/dev/access-log-bench";
import { benchCommand } from "../../scripts/lib/dev/commands/bench-command";
import { run } from "../support/cli-runner";

describe("bench: access-log parsing against a plain split (tiny sizes, no timing asserted)", function () {
  this.timeout(60_000);

  it("the synthetic records read back whole: presigned reads the attribution can place", () => {
    const text = syntheticLogText(50);
    const { records, unreadable } = parseAccessLog(text);
    assert.equal(records.length, 50);
    assert.equal(unreadable, 0);
    assert.ok(
      records.every((record) => /^AKIAEXAMPLEKEY0000\d \d{8}T\d{6}Z$/.test(presignedSigner(record.requestUri)!)),
    );
    assert.ok(records.every((record) => record.userAgent?.startsWith("Mozilla/5.0 (X11; Linux x86_64)")));
    assert.equal(splitBaseline(text).length, 50);
  });

  it("measures both over the same records and reports records per second and their ratio", async () => {
    const result = await benchAccessLogParser(200, { repeat: { maxRounds: 1, budgetSeconds: 0 } });
    assert.equal(result.records, 200);
    assert.equal(result.parser.runs, 1);
    assert.ok(result.parser.recordsPerSecond > 0 && result.split.recordsPerSecond > 0);
    const ratio = result.parser.recordsPerSecond / result.split.recordsPerSecond;
    assert.ok(Math.abs(result.ratio - ratio) <= ratio * 1e-9, `${result.ratio} is the rates' ratio ${ratio}`);
  });

  it("npm run bench -- --only access-log --quick prints the section", async () => {
    const result = await run(benchCommand, ["--only", "access-log", "--quick"]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^Access logs: 10,000 synthetic records \(\d+ MB\)/m);
    assert.match(result.stdout, /^ {2}access-report's parser \(every field, quoted ones whole\) +[\d,]+ +\d+$/m);
    assert.match(result.stdout, /^ {2}parser ÷ baseline +[\d.]+×$/m);
  });
});
