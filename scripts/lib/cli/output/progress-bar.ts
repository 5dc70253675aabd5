/**
 * Progress on a terminal (stderr only, never with stdout's output): a line appears once a step has
 * run for a second, so quick steps print nothing and a long listing, check, signing or upload shows
 * itself from its first second. Off a terminal nothing is drawn.
 */
import { Writable } from "node:stream";
import { SingleBar } from "cli-progress";
import type { CliIo } from "../shell";
import type { Progress, PublishStep } from "../../publication/publish-steps";
import type { TransferProgress } from "../../upload/folder-upload";

/**
 * The command's stderr as a terminal stream for the bar to draw on (tests capture it like any other
 * output). Only drawn on when the command's stderr is a terminal, which the callers decide.
 */
export function stderrStream(io: Pick<CliIo, "stderr">): NodeJS.WritableStream {
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      io.stderr(chunk.toString());
      done();
    },
  });
  return Object.assign(stream, { isTTY: true, columns: process.stderr.columns || 100 });
}

/** A step shows its line once it has run this long. */
export const PROGRESS_DELAY_MS = 1000;

/** How each step of a publish reads on the terminal, and what it counts. */
const STEP_LINES: Record<PublishStep, { label: string; unit: string }> = {
  "read-input": { label: "reading", unit: "objects listed" },
  validate: { label: "validating", unit: "samples" },
  "check-existence": { label: "listing", unit: "objects" },
  "check-content": { label: "checking", unit: "files read" },
  sign: { label: "signing", unit: "samples" },
  "upload-config": { label: "uploading", unit: "configs" },
  "write-ledger": { label: "recording", unit: "entries" },
};

/** A bar that is drawn only after PROGRESS_DELAY_MS, and only on a terminal. */
class DelayedBar {
  private bar?: SingleBar;
  private timer?: NodeJS.Timeout;
  private value = 0;
  private total = 0;
  private payload: Record<string, string> = {};

  constructor(
    private readonly isTTY: boolean,
    private readonly stream: NodeJS.WritableStream,
  ) {}

  start(format: string, total: number): void {
    this.stop();
    this.value = 0;
    this.total = total;
    if (!this.isTTY) return;
    this.timer = setTimeout(() => {
      this.bar = new SingleBar({ format, stream: this.stream, hideCursor: true, clearOnComplete: true });
      this.bar.start(Math.max(this.total, 1), this.value, this.payload);
    }, PROGRESS_DELAY_MS);
    // A pending line never keeps the process alive.
    this.timer.unref();
  }

  setTotal(total: number): void {
    this.total = total;
    this.bar?.setTotal(Math.max(total, 1));
  }

  update(value: number, payload: Record<string, string> = this.payload): void {
    this.value = value;
    this.payload = payload;
    this.bar?.update(value, payload);
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.bar?.stop();
    this.bar = undefined;
  }
}

/** Progress of a publish's steps. */
export function terminalProgress(isTTY: boolean, stream: NodeJS.WritableStream = process.stderr): Progress {
  const bar = new DelayedBar(isTTY, stream);
  let count = 0;
  return {
    start(step, total) {
      count = 0;
      const { label, unit } = STEP_LINES[step];
      bar.start(
        total > 0
          ? `${label.padEnd(10)} [{bar}] {percentage}% {value}/{total} ${unit}, {eta}s left`
          : `${label.padEnd(10)} {value} ${unit}…`,
        total,
      );
    },
    tick(increment = 1) {
      count += increment;
      bar.update(count);
    },
    stop() {
      bar.stop();
    },
  };
}

const UNITS = ["B", "KB", "MB", "GB", "TB"];

/** Bytes in decimal units, as S3 and disks count them: 1.2 GB. */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < UNITS.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${unit === 0 ? Math.round(value) : value.toFixed(value < 10 ? 1 : 0)} ${UNITS[unit]}`;
}

/** Seconds as the bar says them: 45s, 12m 5s, 2h 3m. */
function formatSeconds(seconds: number): string {
  const whole = Math.ceil(seconds);
  if (whole < 60) return `${whole}s`;
  if (whole < 3600) return `${Math.floor(whole / 60)}m ${whole % 60}s`;
  return `${Math.floor(whole / 3600)}h ${Math.floor((whole % 3600) / 60)}m`;
}

/**
 * Progress of an upload: bytes read (to compare with S3's checksums, or to send), the sending rate,
 * files done, time left. Stopped, it stays stopped: nothing redraws over the lines printed after it.
 */
export function terminalTransferProgress(
  isTTY: boolean,
  stream: NodeJS.WritableStream = process.stderr,
  now: () => number = Date.now,
): TransferProgress {
  const bar = new DelayedBar(isTTY, stream);
  const done = { checked: 0, sent: 0, files: 0 };
  let files = 0;
  let total = 0;
  let started = 0;
  let stopped = false;
  const update = () => {
    if (stopped) return;
    const seconds = Math.max((now() - started) / 1000, 0.001);
    const work = done.checked + done.sent;
    bar.update(work, {
      sent: formatBytes(done.sent),
      rate: `${formatBytes(done.sent / seconds)}/s`,
      files: `${done.files}/${files}`,
      left: work > 0 ? `${formatSeconds(((total - work) * seconds) / work)} left` : "",
    });
  };
  return {
    start(totalBytes, fileCount) {
      Object.assign(done, { checked: 0, sent: 0, files: 0 });
      files = fileCount;
      total = totalBytes;
      started = now();
      stopped = false;
      bar.start("uploading  [{bar}] {percentage}% | {sent} sent, {rate} | {files} files | {left}", totalBytes);
      update();
    },
    grow(bytes) {
      total += bytes;
      bar.setTotal(total);
      update();
    },
    advance(kind, bytes) {
      done[kind] += bytes;
      update();
    },
    fileDone() {
      done.files++;
      update();
    },
    stop() {
      stopped = true;
      bar.stop();
    },
  };
}
