/**
 * The options a publication's output takes (shared by publish-cohort and refresh-cohort), checked
 * before anything is signed or uploaded.
 */
import { accessSync, constants, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { Command } from "commander";
import { VIEWER_URL_RULE, viewerUrlProblem } from "../../../../components/address-rules";
import { UsageError } from "../../errors";
import { printable } from "../../naming";
import { addHelpNotes } from "../shell";

export interface PublicationOutputOptions {
  /** --viewer-url: the Chromoscope app the links open. */
  viewerUrl?: string;
  dryRun?: boolean;
  json?: boolean;
  out?: string;
  /** --sample-links: a deep link per sample. */
  sampleLinks?: boolean;
  /** --share-page FILE: write the share page here (mode 0600). */
  sharePage?: string;
  /** --upload-share-page: store the page privately next to the config and print its presigned link. */
  uploadSharePage?: boolean;
}

/** `--viewer-url`: Chromoscope's link carries its own query, so the app URL itself may carry none. */
export function parseViewerUrlOption(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const problem = viewerUrlProblem(value);
  if (problem !== undefined) {
    throw new UsageError(`--viewer-url ${JSON.stringify(value)} ${problem}`, {
      fix: `pass ${VIEWER_URL_RULE}, e.g. --viewer-url https://chromoscope.bio/app/`,
    });
  }
  return value;
}

/** Adds the output options, and the help notes with publish-cohort's and refresh-cohort's exit codes. */
export function addPublicationOutputOptions(command: Command, notes: readonly string[]): Command {
  addHelpNotes(command, notes, PUBLISH_EXIT_CODES);
  return command
    .option("--out <file>", "also write the config to this file (mode 0600)")
    .option("--json", "print the result as JSON on stdout")
    .option(
      "--sample-links",
      "also print a link per sample (opens that sample): one 'id<TAB>link' line each after the cohort link; with --json, samples: [{ id, index, link }]",
    )
    .option(
      "--share-page <file>",
      "also write a self-contained HTML share page (mode 0600): every sample with its link, searchable and sortable, with a countdown to expiry",
    )
    .option(
      "--upload-share-page",
      "also store the share page privately next to the config and print a presigned link to it (it expires with the config)",
    );
}

/**
 * Refuses output options that cannot work, before anything is signed or uploaded: links on a dry
 * run (it publishes none), two outputs on one path, a destination that cannot be written.
 */
export function checkPublicationOptions(options: PublicationOutputOptions): { viewerUrl?: string } {
  const viewerUrl = parseViewerUrlOption(options.viewerUrl);
  if (options.dryRun) {
    const linkOptions = [
      options.sampleLinks && "--sample-links",
      options.sharePage !== undefined && "--share-page",
      options.uploadSharePage && "--upload-share-page",
    ].filter(Boolean);
    if (linkOptions.length > 0) {
      throw new UsageError(
        `${linkOptions.join(" and ")} need${linkOptions.length === 1 ? "s" : ""} a published config, and a dry run publishes none`,
        {
          fix: `drop ${linkOptions.join(" and ")}, or run without --dry-run`,
        },
      );
    }
  }
  if (
    options.out !== undefined &&
    options.sharePage !== undefined &&
    resolve(options.out) === resolve(options.sharePage)
  ) {
    throw new UsageError(`--out and --share-page both name ${printable(options.sharePage)}`, {
      fix: "give the config and the share page different files",
    });
  }
  if (options.out !== undefined) assertWritableFile(options.out, "--out");
  if (options.sharePage !== undefined) assertWritableFile(options.sharePage, "--share-page");
  return { viewerUrl };
}

function assertWritableFile(path: string, option: string): void {
  const folder = dirname(resolve(path));
  let problem: string | undefined;
  try {
    if (statSync(path, { throwIfNoEntry: false })?.isDirectory()) problem = "is a folder";
    else if (!statSync(folder).isDirectory()) problem = `is in ${printable(folder)}, which is not a folder`;
    else accessSync(folder, constants.W_OK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    problem =
      code === "ENOENT"
        ? `is in a folder that does not exist (${printable(folder)})`
        : `cannot be written (${code ?? (error as Error).message})`;
  }
  if (problem) {
    throw new UsageError(`${option} ${printable(path)} ${problem}`, {
      fix: `pass ${option} a file path in a folder that exists and that you can write`,
    });
  }
}

/** What publish-cohort's and refresh-cohort's exit codes mean. */
const PUBLISH_EXIT_CODES = {
  0: "published",
  1: "invalid input (nothing published)",
  2: "usage error",
  3: "AWS or network error",
  "130/143": "interrupted by SIGINT/SIGTERM (a config not yet recorded in the ledger is removed first)",
};
