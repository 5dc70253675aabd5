/**
 * The commands of `chromoscope-private-data <command>` and their lines in the command list, in the
 * order the list shows them: data only, so that what lists or measures the commands (the bench's
 * start-up section) need not import the registry, which loads them.
 */

export const COMMAND_LIST = [
  {
    name: "demo",
    summary: "run the whole flow on this machine: embedded S3 server, example cohort, publish, verified links",
  },
  {
    name: "upload-cohort",
    summary:
      "upload a local folder's files under a data prefix (resumable inside a file, checksums S3 validates), optionally writing the manifest",
  },
  {
    name: "publish-cohort",
    summary: "presign a cohort's files, publish its Chromoscope config privately, print the link",
  },
  {
    name: "cohorts",
    summary: "list published cohorts from the ledger: live, expired, revoked or dead",
  },
  {
    name: "refresh-cohort",
    summary: "publish a cohort again from its recorded inputs, with fresh links",
  },
  {
    name: "revoke-cohort",
    summary: "withdraw a cohort: delete its configs (and, with --rotate, the keys that signed its links)",
  },
  {
    name: "grant-cohort",
    summary: "on a sign-in stack: let the people of a group open a cohort",
  },
  {
    name: "add-reader",
    summary: "on a sign-in stack with its own user pool: invite a person by email into a group",
  },
  {
    name: "remove-reader",
    summary: "on a sign-in stack with its own user pool: take a person out of a group, or out of the pool",
  },
  {
    name: "rotate-keys",
    summary: "replace the presigner's inactive access key when no live link needs it",
  },
  {
    name: "doctor",
    summary: "check a deployed stack and your credentials before sharing links",
  },
  {
    name: "access-report",
    summary: "who read what: the bucket's access logs of a period, per publication, with flags",
  },
  {
    name: "bench",
    summary: "measure signing and publishing speed against baselines (development)",
    development: true,
  },
] as const;

export type CommandName = (typeof COMMAND_LIST)[number]["name"];
