/**
 * The checks between the viewer's settings (settings.ts runs them with its other cross-checks): a
 * self-hosted viewer needs its build, links then open it, and the self-hosted viewer's own settings
 * mean nothing with the public one. Pure.
 */

export type ViewerKind = "chromoscope.bio" | "self-hosted";

/** The viewer's settings, as settings.ts resolves them (declared here so that neither file imports the other). */
export interface ViewerSettings {
  readonly viewer: ViewerKind;
  readonly viewerUrl: string;
  readonly viewerDistPath: string;
  readonly viewerDomain: string;
  readonly viewerCertificateArn: string;
  readonly viewerAnnotationTiles: boolean;
}

/** Problems between the viewer's settings, each naming the keys and the fix. */
export function viewerSettingsProblems(settings: ViewerSettings, defaultViewerUrl: string): string[] {
  const problems: string[] = [];
  const selfHosted = settings.viewer === "self-hosted";
  if (selfHosted && settings.viewerDistPath === "") {
    problems.push(
      'viewer is "self-hosted" but viewerDistPath is empty: build Chromoscope (npx vite build) and set its dist/ folder',
    );
  }
  if (selfHosted && settings.viewerUrl !== defaultViewerUrl) {
    problems.push('viewerUrl is set but viewer is "self-hosted": links open the stack\'s own viewer; unset viewerUrl');
  }
  if (!selfHosted && (settings.viewerDistPath !== "" || settings.viewerDomain !== "")) {
    problems.push(
      'viewerDistPath or viewerDomain is set but viewer is not "self-hosted": set viewer to "self-hosted" or unset them',
    );
  }
  if (!selfHosted && !settings.viewerAnnotationTiles) {
    problems.push(
      'viewerAnnotationTiles is false but viewer is not "self-hosted": chromoscope.bio reaches its tile server (and Google Analytics) whatever the stack says; set viewer to "self-hosted" or unset viewerAnnotationTiles',
    );
  }
  if ((settings.viewerDomain === "") !== (settings.viewerCertificateArn === "")) {
    problems.push(
      "viewerDomain and viewerCertificateArn go together: a custom domain needs its certificate (ACM, us-east-1)",
    );
  }
  return problems;
}
