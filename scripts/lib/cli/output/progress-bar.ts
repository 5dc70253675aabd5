import { SingleBar } from "cli-progress";
import { Progress } from "../../publication/publish";

/** Below this many items a step is quick enough to need no bar. */
export const PROGRESS_THRESHOLD = 2000;

/** A bar on stderr when it is a terminal and the step is long; silent otherwise. */
export function terminalProgress(isTTY: boolean, stream: NodeJS.WritableStream = process.stderr): Progress {
  let bar: SingleBar | undefined;
  return {
    start(step, total) {
      if (!isTTY || total < PROGRESS_THRESHOLD) return;
      bar = new SingleBar({
        format: `${step.padEnd(8)} [{bar}] {percentage}% {value}/{total} samples, {eta}s left`,
        stream,
        hideCursor: true,
        clearOnComplete: true,
      });
      bar.start(total, 0);
    },
    tick(count = 1) {
      bar?.increment(count);
    },
    stop() {
      bar?.stop();
      bar = undefined;
    },
  };
}
