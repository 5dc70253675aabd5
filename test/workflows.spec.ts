/**
 * The GitHub Actions workflows a lab copies (examples/github-actions/): valid against GitHub's
 * workflow schema (action-validator), reaching AWS only through OIDC and a role, handing secrets and
 * the cloud role only to jobs behind a GitHub environment that run reviewed code (same-repository
 * pull requests, or main), with `id-token: write` on those jobs alone, actions pinned to a major
 * version, and every command they run one that exists here, with options it accepts.
 */
import * as assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { validateWorkflow } from "@action-validator/core";
import { parse } from "yaml";
import { COMMANDS, commandDefinition } from "../scripts/lib/cli/command-registry";

const ROOT = join(__dirname, "..");
const FOLDER = join(ROOT, "examples", "github-actions");
const WORKFLOWS = readdirSync(FOLDER).filter((name) => name.endsWith(".yml"));
const SCRIPTS = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> })
  .scripts;

interface Step {
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
}
interface Job {
  if?: string;
  environment?: string | { name: string };
  permissions?: Record<string, string>;
  env?: Record<string, string>;
  steps: Step[];
}
interface Workflow {
  on: Record<string, unknown>;
  permissions?: Record<string, string>;
  jobs: Record<string, Job>;
}

const SAME_REPOSITORY = "github.event.pull_request.head.repo.full_name == github.repository";
const MAIN_ONLY = "github.ref == 'refs/heads/main'";
const usesCloudRole = (job: Job) =>
  job.steps.some((step) => step.uses?.startsWith("aws-actions/configure-aws-credentials@"));
const usesSecrets = (job: Job) => /\$\{\{\s*secrets\./.test(JSON.stringify(job));

const read = (name: string) => readFileSync(join(FOLDER, name), "utf8");
const stepsOf = (workflow: Workflow) => Object.values(workflow.jobs).flatMap((job) => job.steps);
/** Every shell line the workflow runs, comments and blank lines left out. */
const runLines = (workflow: Workflow) =>
  stepsOf(workflow)
    .flatMap((step) => (step.run ?? "").split("\n"))
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"));

/** The options a command of the CLI accepts, from its own definition. */
const optionsOf = (commandName: string) => commandDefinition(commandName).options.map((option) => option.long ?? "");

describe("GitHub Actions workflows for a lab's repository (examples/github-actions)", () => {
  it("offers the pull-request, deploy and scheduled workflows", () => {
    assert.deepEqual(WORKFLOWS.sort(), ["deploy.yml", "pull-request.yml", "scheduled.yml"]);
  });

  for (const name of WORKFLOWS) {
    describe(name, () => {
      const workflow = parse(read(name)) as Workflow;

      it("is valid against GitHub's workflow schema", () => {
        assert.deepEqual(validateWorkflow(read(name)).errors, []);
      });

      it("asks for id-token: write only on the jobs that assume the cloud role, never for the whole workflow", () => {
        assert.deepEqual(workflow.permissions, { contents: "read" }, "the workflow's default: read the repository");
        for (const [id, job] of Object.entries(workflow.jobs)) {
          assert.equal(job.permissions?.["id-token"], usesCloudRole(job) ? "write" : undefined, `${name}: job ${id}`);
        }
      });

      it("hands secrets and the cloud role only to jobs behind an environment that run reviewed code", () => {
        assert.ok(!("pull_request_target" in workflow.on), "pull_request_target runs with secrets on any fork's event");
        const guarded = Object.entries(workflow.jobs).filter(([, job]) => usesSecrets(job) || usesCloudRole(job));
        assert.ok(guarded.length > 0);
        for (const [id, job] of guarded) {
          assert.ok(job.environment, `${name}: job ${id} gets secrets or the cloud role without an environment`);
          const condition = String(job.if ?? "");
          if ("pull_request" in workflow.on) {
            assert.ok(condition.includes(SAME_REPOSITORY), `${name}: job ${id} would run a fork's code with them`);
          } else {
            assert.ok(condition.includes(MAIN_ONLY), `${name}: job ${id} would run another branch's code with them`);
          }
        }
      });

      it("reaches AWS through OIDC and a role, never stored AWS keys", () => {
        const aws = stepsOf(workflow).filter((step) => step.uses?.startsWith("aws-actions/configure-aws-credentials@"));
        assert.equal(aws.length, 1);
        assert.match(String(aws[0].with?.["role-to-assume"]), /^\$\{\{ vars\.[A-Z_]+ \}\}$/);
        assert.doesNotMatch(
          read(name),
          /aws-access-key-id|aws-secret-access-key|AWS_SECRET_ACCESS_KEY|AWS_ACCESS_KEY_ID/i,
        );
      });

      it("pins every action to a major version", () => {
        for (const step of stepsOf(workflow).filter((candidate) => candidate.uses)) {
          assert.match(String(step.uses), /^[\w.-]+\/[\w.-]+@v\d+$/, String(step.uses));
        }
      });

      it("runs only commands that exist here, with options they accept, and prints no link", () => {
        for (const line of runLines(workflow)) {
          const script = /^npm run (?:-s )?([\w:-]+)(?: -- (.*))?$/.exec(line);
          if (script) {
            assert.ok(SCRIPTS[script[1]], `${name}: npm script ${script[1]} does not exist`);
            const command = COMMANDS.find((entry) => entry.name === script[1]);
            if (command) {
              const accepted = optionsOf(command.name);
              for (const option of (script[2] ?? "").match(/--[a-z-]+/g) ?? []) {
                assert.ok(accepted.includes(option), `${name}: ${command.name} has no ${option}`);
              }
            }
          }
          if (line.startsWith("pulumi ")) {
            assert.match(line, /^pulumi (preview|up) /, `${name}: ${line}`);
            assert.match(line, /--policy-pack policy\b/, `${name}: every preview and update runs the policy pack`);
            assert.ok(existsSync(join(ROOT, "policy", "index.ts")));
          }
          assert.doesNotMatch(line, /--show-links/, `${name}: links are keys, and Actions logs are widely readable`);
        }
      });
    });
  }

  it("the scheduled workflow runs the doctor, lists cohorts expiring within 48 hours, and rotates only when due", () => {
    const lines = runLines(parse(read("scheduled.yml")) as Workflow).join("\n");
    assert.match(lines, /npm run -s doctor -- --stack "\$STACK"/);
    assert.match(lines, /npm run -s cohorts -- --stack "\$STACK" --expiring-within 48h/);
    assert.match(lines, /npm run -s rotate-keys -- --stack "\$STACK" --if-due/);
    assert.match(lines, /git commit .* -- "Pulumi\.\$STACK\.yaml"/);
    const on = (parse(read("scheduled.yml")) as Workflow).on;
    assert.ok("schedule" in on && "workflow_dispatch" in on);
  });

  it("the pull-request workflow runs the policy tests with no secret and no role, and previews only behind the preview environment", () => {
    const jobs = (parse(read("pull-request.yml")) as Workflow).jobs;
    assert.ok(!usesSecrets(jobs["policy-tests"]) && !usesCloudRole(jobs["policy-tests"]));
    assert.equal(jobs.preview.environment, "preview");
    const role = jobs.preview.steps.find((step) => step.uses?.startsWith("aws-actions/configure-aws-credentials@"));
    assert.equal(role?.with?.["role-to-assume"], "${{ vars.AWS_PREVIEW_ROLE_ARN }}");
  });

  it("docs/ci.md explains the threat and the setup: environments, same-repository branches, a preview role that reads no object", () => {
    const ci = readFileSync(join(ROOT, "docs", "ci.md"), "utf8");
    for (const needle of [
      "required reviewers",
      "environment:preview",
      "environment:production",
      "environment:operations",
      "ciRoleArns",
      "head.repo.full_name",
      "presigner's secret key",
    ]) {
      assert.ok(ci.includes(needle), `docs/ci.md says nothing of ${needle}`);
    }
    assert.doesNotMatch(ci, /:pull_request`/, "no role may trust every pull request's token");
  });

  it("the pull-request workflow runs the policy tests, whose files exist", () => {
    assert.match(read("pull-request.yml"), /npm run test:policy/);
    for (const file of SCRIPTS["test:policy"].match(/test\/[\w./-]+\.spec\.ts/g) ?? []) {
      assert.ok(existsSync(join(ROOT, file)), file);
    }
  });
});
