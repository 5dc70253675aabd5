/**
 * The reference parts of docs/ written from the code and data they describe, so they cannot drift:
 * the settings table (components/settings.ts), the policy-pack rule table (policy/rules.ts), the
 * access matrix (test/fixtures/access-matrix.ts) and every command's --help. `npm run docs`
 * rewrites each between its markers; test/docs.spec.ts fails when a file differs from this output.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { SETTING_KEYS, SETTING_SPECS } from "../../components/settings";
import { policies, RULE_INFO } from "../../policy/rules";
import { COMMANDS, PROGRAM_NAME, usage } from "../../scripts/lib/cli/command-registry";
import { PROJECT_ROOT } from "../../scripts/lib/files";
import { renderAccessMatrixTables } from "./access-matrix-table";
import { commandDefinition } from "./cli-runner";

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
  { file: "docs/settings.md", name: "settings", render: settingsTable },
  { file: "docs/policy-pack.md", name: "policy-rules", render: policyRuleTable },
  { file: "docs/security-model.md", name: "access-matrix", render: renderAccessMatrixTables },
  { file: "docs/cli.md", name: "cli-reference", render: cliReference },
];

const startMarker = (name: string) => `<!-- generated:${name} by \`npm run docs\`; do not edit -->`;
const endMarker = (name: string) => `<!-- end generated:${name} -->`;

/** The text between a section's markers in `document`, or undefined when a marker is missing. */
export function generatedText(document: string, name: string): string | undefined {
  const start = document.indexOf(startMarker(name));
  const end = document.indexOf(endMarker(name));
  if (start < 0 || end < start) return undefined;
  return document.slice(start + startMarker(name).length, end).trim();
}

export function withGeneratedText(document: string, name: string, text: string): string {
  const start = document.indexOf(startMarker(name));
  const end = document.indexOf(endMarker(name));
  if (start < 0 || end < start) throw new Error(`missing the markers ${startMarker(name)} ... ${endMarker(name)}`);
  return `${document.slice(0, start + startMarker(name).length)}\n${text}\n${document.slice(end)}`;
}

if (require.main === module) {
  for (const section of GENERATED_SECTIONS) {
    const path = join(PROJECT_ROOT, section.file);
    writeFileSync(path, withGeneratedText(readFileSync(path, "utf8"), section.name, section.render()));
    console.log(`${section.file}: ${section.name} written`);
  }
  console.log(`(${PROGRAM_NAME}: ${COMMANDS.length} commands)`);
}
