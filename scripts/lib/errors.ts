/**
 * Every failure the tools report on purpose is a CliError: a one-line message, a one-line fix
 * and the documented exit code. Only the command-line shell catches them (see cli/shell.ts).
 */
export const ExitCode = {
  ok: 0,
  validation: 1,
  usage: 2,
  aws: 3,
  /** Stopped by SIGINT (Ctrl-C): 128 + 2, as a shell reports it. */
  interrupted: 130,
  /** Stopped by SIGTERM: 128 + 15. */
  terminated: 143,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export interface CliErrorOptions {
  /** What the user should do about it, one line. */
  fix?: string;
  /** The lower-level error, kept for --verbose. */
  cause?: unknown;
  /** Further lines (e.g. one per validation problem). */
  details?: readonly string[];
}

export class CliError extends Error {
  readonly exitCode: ExitCode;
  readonly fix?: string;
  readonly details: readonly string[];

  constructor(message: string, exitCode: ExitCode, options: CliErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.exitCode = exitCode;
    this.fix = options.fix;
    this.details = options.details ?? [];
  }
}

/** Bad input: manifest, samples, expiry, names. Exit 1. */
export class ValidationError extends CliError {
  constructor(message: string, options: CliErrorOptions = {}) {
    super(message, ExitCode.validation, options);
  }
}

/** Bad command line: missing or conflicting options. Exit 2. */
export class UsageError extends CliError {
  constructor(message: string, options: CliErrorOptions = {}) {
    super(message, ExitCode.usage, options);
  }
}

/** AWS or network failure, after retries. Exit 3. */
export class AwsError extends CliError {
  constructor(message: string, options: CliErrorOptions = {}) {
    super(message, ExitCode.aws, options);
  }
}

export type InterruptSignal = "SIGINT" | "SIGTERM";

/** The command was stopped by a signal; it says what it did about it. Exit 130 (SIGINT) or 143 (SIGTERM). */
export class InterruptedError extends CliError {
  constructor(
    readonly signal: InterruptSignal,
    message: string,
    options: CliErrorOptions = {},
  ) {
    super(message, signal === "SIGINT" ? ExitCode.interrupted : ExitCode.terminated, options);
  }
}

/** Short description of a lower error without its stack, safe to print. */
export function describeCause(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { Code?: string; code?: string }).Code ?? (error as { code?: string }).code;
    const name = error.name && error.name !== "Error" ? error.name : code;
    return name && !error.message.includes(name) ? `${name}: ${error.message}` : error.message;
  }
  if (typeof error === "string") return error;
  try {
    return JSON.stringify(error) ?? typeof error;
  } catch {
    return typeof error;
  }
}
