/**
 * Preloaded (`node -r`) into a process the benchmark measures, so that what it reports is that
 * process's own: when the process exits, one JSON line goes to file descriptor 3 with its CPU time,
 * peak resident set size, uptime and the `publish:<step>` timings the publication recorded on the
 * performance timeline. The measured program itself is unchanged and prints nothing more.
 * Never import this module elsewhere: loading it is what installs the exit hook.
 */
import { writeSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { REPORT_FD, type ResourceReport } from "./processes";

function collectReport(): ResourceReport {
  const usage = process.resourceUsage();
  return {
    userCpuSeconds: usage.userCPUTime / 1e6,
    systemCpuSeconds: usage.systemCPUTime / 1e6,
    maxRssBytes: usage.maxRSS * 1024,
    uptimeSeconds: performance.now() / 1000,
    steps: performance
      .getEntriesByType("measure")
      .filter((entry) => entry.name.startsWith("publish:"))
      .map((entry) => ({
        name: entry.name.slice("publish:".length),
        startMs: entry.startTime,
        durationMs: entry.duration,
      })),
  };
}

process.once("exit", () => {
  try {
    writeSync(REPORT_FD, `${JSON.stringify(collectReport())}\n`);
  } catch {
    // Not started by the benchmark (no descriptor 3): nothing to report to.
  }
});
