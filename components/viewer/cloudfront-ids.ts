/** AWS's managed CloudFront policies the viewer's routes use, by id (the viewer's and sign-in's alike). */

/** AWS's managed cache policy "CachingOptimized" (it honours the files' Cache-Control). */
export const CACHING_OPTIMIZED_POLICY_ID = "658327ea-f89d-4fab-a63d-7e88639e58f6";
