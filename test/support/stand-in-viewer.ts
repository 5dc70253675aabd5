import { join } from "node:path";

/**
 * A folder shaped like a Chromoscope build (test/fixtures/stand-in-viewer): analytics, two inline
 * scripts, a module, a third-party polyfill; its app fetches a third party and a cohort's config.
 */
export const STAND_IN_VIEWER = join(__dirname, "..", "fixtures", "stand-in-viewer");
