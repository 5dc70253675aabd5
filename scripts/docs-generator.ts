/**
 * `npm run docs`: the parts of the repository written from the code and data they describe, so they
 * cannot drift: Pulumi.yaml's settings and `pulumi new` prompts and docs/settings.md's table
 * (components/settings.ts), the policy-pack rule table (policy/rules.ts), the access matrix
 * (test/fixtures/access-matrix.ts, rendered by test/support/access-matrix-table.ts) and every
 * command's --help. Each is rewritten between its markers; test/docs.spec.ts fails when a file
 * differs from this output. Development only: the build (tsconfig.build.json) leaves it out.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { SettingKey, SETTING_KEYS, SETTING_SPECS } from "../components/settings";
import { policies, RULE_INFO } from "../policy/rules";
import { commandDefinition, COMMANDS, PROGRAM_NAME, usage } from "./lib/cli/command-registry";
import { PROJECT_ROOT } from "./lib/files";
import { renderAccessMatrixTables } from "../test/support/access-matrix-table";

export interface GeneratedSection {
  /** File under the project root. */
  readonly file: string;
  /** Marker name: the text between `<!-- generated:NAME ... -->` and `<!-- end generated:NAME -->`. */
  readonly name: string;
  render(): string;
}

const cell = (text: string) => text.replace(/\|/g, "\\|");

export function settingsTable(): string {
  const rows = SETTING_KEYS.map((key) => {
    const spec = SETTING_SPECS[key];
    return `| \`${key}\` | ${spec.type} | \`${JSON.stringify(spec.default)}\` | ${cell(spec.description)} |`;
  });
  return ["| key | type | default | meaning |", "|---|---|---|---|", ...rows].join("\n");
}

/** A YAML scalar as prettier writes it: double quotes, or single ones when the text holds a double quote. */
function yamlString(text: string): string {
  return text.includes('"') ? `'${text.replace(/'/g, "''")}'` : JSON.stringify(text);
}

/** The template's own prompts, besides the settings `pulumi new` asks for. */
const TEMPLATE_DESCRIPTION =
  "A private S3 bucket and a least-privilege presigner that share tumour data in Chromoscope through presigned URLs";
const REGION_PROMPT = { description: "The AWS region of the data bucket", default: "eu-west-2" };

/** Why a secret setting is declared without `secret: true` (its `pulumi new` prompt has it). */
const SECRET_COMMENT = [
  "  # Not `secret: true`: Pulumi refuses a plaintext default for a secret key, and without one every stack",
  "  # would have to set it. The program refuses a value stored in plaintext instead.",
];

/** Pulumi.yaml from `config:` on: every setting for the CLI, then what `pulumi new` asks for. */
export function pulumiProjectSettings(): string {
  const declared = SETTING_KEYS.flatMap((key) => {
    const spec = SETTING_SPECS[key];
    return [
      ...(spec.secret ? SECRET_COMMENT : []),
      `  ${key}:`,
      `    type: ${spec.type}`,
      ...(spec.type === "array" ? ["    items:", "      type: string"] : []),
      `    description: ${yamlString(spec.description)}`,
      `    default: ${JSON.stringify(spec.default)}`,
    ];
  });
  const prompt = (key: string, description: string, value: string, secret = false) => [
    `    ${key}:`,
    `      description: ${yamlString(description)}`,
    `      default: ${yamlString(value)}`,
    ...(secret ? ["      secret: true"] : []),
  ];
  const asked = SETTING_KEYS.filter((key: SettingKey) => SETTING_SPECS[key].askedByPulumiNew);
  return [
    "config:",
    ...declared,
    "# `pulumi new <this repository's URL>` asks for these; it stores every answer as a string, so only",
    "# string settings are asked (arrays, numbers and booleans keep their defaults until `pulumi config set`).",
    "template:",
    `  description: ${TEMPLATE_DESCRIPTION}`,
    "  config:",
    ...prompt("aws:region", REGION_PROMPT.description, REGION_PROMPT.default),
    ...asked.flatMap((key) =>
      prompt(
        `chromoscope-private-data:${key}`,
        SETTING_SPECS[key].description,
        String(SETTING_SPECS[key].default),
        SETTING_SPECS[key].secret,
      ),
    ),
  ].join("\n");
}

export function policyRuleTable(): string {
  const rows = policies.map((policy) => {
    const info = RULE_INFO.get(policy.name);
    if (info === undefined) throw new Error(`policy rule ${policy.name} has no RULE_INFO`);
    const related = info.related && info.related.length > 0 ? ` (related: ${info.related.join(", ")})` : "";
    const hub = `${info.securityHub.join(", ") || "none"}${related}`;
    const checkov = info.checkov.length > 0 ? info.checkov.join(", ") : "none";
    return `| \`${info.name}\` | ${policy.enforcementLevel} | ${cell(info.checks)} | ${hub} | ${checkov} |`;
  });
  return [
    "| rule | enforcement | what it checks | AWS Security Hub | Checkov |",
    "|---|---|---|---|---|",
    ...rows,
  ].join("\n");
}

/** Every command's --help, as commander prints it, under one heading each. */
export function cliReference(): string {
  const sections = COMMANDS.map((entry) => {
    const command = commandDefinition(entry.name);
    // A fixed width: commander would otherwise wrap to the terminal that runs `npm run docs`.
    command.name(`${PROGRAM_NAME} ${entry.name}`).configureHelp({ helpWidth: 100 });
    const help = command
      .helpInformation()
      .replace(/[ \t]+$/gm, "")
      .trimEnd();
    const note = entry.development ? " (development)" : "";
    return [`### \`${entry.name}\`${note}`, "", entry.summary, "", "```text", help, "```"].join("\n");
  });
  return [["```text", usage().trimEnd(), "```"].join("\n"), ...sections].join("\n\n");
}

export const GENERATED_SECTIONS: readonly GeneratedSection[] = [
  { file: "Pulumi.yaml", name: "settings", render: pulumiProjectSettings },
  { file: "docs/settings.md", name: "settings", render: settingsTable },
  { file: "docs/policy-pack.md", name: "policy-rules", render: policyRuleTable },
  { file: "docs/security-model.md", name: "access-matrix", render: renderAccessMatrixTables },
  { file: "docs/cli.md", name: "cli-reference", render: cliReference },
];

/** A section's markers: HTML comments in Markdown, `#` comments in YAML. */
function markers(section: Pick<GeneratedSection, "file" | "name">): { start: string; end: string } {
  const [open, close] = section.file.endsWith(".yaml") ? ["# ", ""] : ["<!-- ", " -->"];
  return {
    start: `${open}generated:${section.name} by \`npm run docs\`; do not edit${close}`,
    end: `${open}end generated:${section.name}${close}`,
  };
}

/** The text between a section's markers in `document`, or undefined when a marker is missing. */
export function generatedText(document: string, section: Pick<GeneratedSection, "file" | "name">): string | undefined {
  const { start, end } = markers(section);
  const from = document.indexOf(start);
  const to = document.indexOf(end);
  if (from < 0 || to < from) return undefined;
  return document.slice(from + start.length, to).trim();
}

export function withGeneratedText(document: string, section: GeneratedSection): string {
  const { start, end } = markers(section);
  const from = document.indexOf(start);
  const to = document.indexOf(end);
  if (from < 0 || to < from) throw new Error(`${section.file}: missing the markers ${start} ... ${end}`);
  return `${document.slice(0, from + start.length)}\n${section.render()}\n${document.slice(to)}`;
}

if (require.main === module) {
  for (const section of GENERATED_SECTIONS) {
    const path = join(PROJECT_ROOT, section.file);
    writeFileSync(path, withGeneratedText(readFileSync(path, "utf8"), section));
    console.log(`${section.file}: ${section.name} written`);
  }
  console.log(`(${PROGRAM_NAME}: ${COMMANDS.length} commands)`);
}
