/**
 * Renders the access matrix (test/fixtures/access-matrix.ts) as the Markdown tables of
 * docs/security-model.md, which `npm run docs` writes (scripts/docs-generator.ts).
 */
import { AccessRow, BASELINE_CONTEXT, PRINCIPALS, ROWS, SYMBOLS, VARIANTS } from "../fixtures/access-matrix";

const FEATURE_LABELS: Record<string, string> = {
  user: "user kind",
  role: "role kind",
  kms: "with a KMS key",
  logging: "with access logging",
  externalId: "with an `externalId`",
  logReaders: "with logReaderArns",
  viewer: "with the self-hosted viewer",
  signIn: "in sign-in mode",
};
const DECISION_LABELS: Record<string, string> = {
  Allowed: "**allowed**",
  ImplicitlyDenied: "denied (no grant)",
  ExplicitlyDenied: "denied (explicit deny)",
};

function cell(text: string): string {
  return text.replace(/\|/g, "\\|");
}

function code(text: string): string {
  return text === "" ? '`""`' : `\`${text}\``;
}

function contextCell(row: AccessRow): string {
  const entries = Object.entries(row.context ?? {});
  if (entries.length === 0) return "";
  return entries.map(([key, value]) => (value === null ? `no ${code(key)}` : `${code(key)}=${code(value)}`)).join(", ");
}

/** The generated Markdown: legend, then one table per group, rows in matrix order. */
export function renderAccessMatrixTables(rows: readonly AccessRow[] = ROWS): string {
  const baseline = (label: string, context: Record<string, string>) =>
    `- ${label}: ${Object.entries(context)
      .map(([key, value]) => `${code(key)}=${code(value)}`)
      .join(", ")}`;
  const lines: string[] = [
    `"presigner" means ${PRINCIPALS.presigner.who}. Unless a row says otherwise (a key set to another value, or "no key"), a request carries:`,
    "",
    baseline("every request", BASELINE_CONTEXT.all),
    baseline("S3 requests", BASELINE_CONTEXT.s3),
    baseline(
      "S3 requests of a principal that signs (SigV4 in the Authorization header; S3 sets `s3:signatureAge` only for presigned URLs, which the rows mark)",
      BASELINE_CONTEXT.s3Signed,
    ),
    "- signed requests: `aws:PrincipalArn` = the principal's ARN (a role session's: its role's ARN, path included)",
    "",
    "Symbols, bound to each stack:",
    "",
    ...Object.entries(SYMBOLS).map(([symbol, meaning]) => `- ${code(symbol)}: ${meaning}`),
    "",
    `Stacks evaluated (${VARIANTS.length}):`,
    "",
    ...VARIANTS.map((variant) => `- ${code(variant.id)}: ${variant.description}`),
  ];
  const groups = [...new Set(rows.map((row) => row.group))];
  for (const group of groups) {
    lines.push(
      "",
      `### ${group}`,
      "",
      "| who | action | resource | request | decision | only for | why |",
      "|---|---|---|---|---|---|---|",
    );
    for (const row of rows.filter((r) => r.group === group)) {
      const who = row.principal === "presigner" ? "presigner" : PRINCIPALS[row.principal].who;
      const only = [
        ...(row.when ?? []).map((feature) => FEATURE_LABELS[feature]),
        ...(row.unless ?? []).map((feature) => `not ${FEATURE_LABELS[feature]}`),
      ].join(", ");
      lines.push(
        `| ${[who, code(row.action), code(row.resource), contextCell(row), DECISION_LABELS[row.expect], only, row.why].map(cell).join(" | ")} |`,
      );
    }
  }
  return lines.join("\n");
}
