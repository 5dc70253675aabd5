/**
 * What the first bytes of a binary genomics file must be, so that a mislabelled or truncated upload
 * is caught at publish time rather than as a blank track in the viewer. Chromoscope reads VCF and
 * BAM by byte ranges through their indexes, which works only on BGZF (bgzip's blocked gzip), so:
 *   VCF   BGZF whose text starts "##fileformat=VCF"      (bgzip, htslib)
 *   .tbi  BGZF whose data starts "TBI\1"                 (tabix -p vcf; Chromoscope reads no CSI for VCF)
 *   BAM   BGZF whose data starts "BAM\1"                 (samtools)
 *   .bai  plain bytes starting "BAI\1"                   (samtools index; not CSI, which it reads neither)
 * Only the first block is inflated, from the first few KiB of the file.
 */
import { constants, gunzipSync } from "node:zlib";
import { printable } from "../naming";
import { FileField } from "./samples";

/** gzip with the FEXTRA flag, and the "BC" subfield every BGZF block carries at offset 12. */
function isBgzf(head: Buffer): boolean {
  return (
    head.length >= 18 &&
    head[0] === 0x1f &&
    head[1] === 0x8b &&
    head[2] === 0x08 &&
    (head[3] & 0x04) !== 0 &&
    head[12] === 0x42 &&
    head[13] === 0x43
  );
}

/**
 * The data of the first BGZF block (its size is in the header's BSIZE field), or as much of it as
 * `head` holds; undefined when it does not inflate.
 */
function inflatedStart(head: Buffer): Buffer | undefined {
  const blockSize = head.readUInt16LE(16) + 1;
  try {
    return gunzipSync(head.subarray(0, blockSize), { finishFlush: constants.Z_SYNC_FLUSH });
  } catch {
    return undefined;
  }
}

interface Signature {
  /** What the file is, for messages. */
  what: string;
  /** The data's first bytes, for each form the field may take (a data file, or either index). */
  starts: ReadonlyArray<{ bgzf: boolean; magic: string }>;
  fix: string;
}

const VCF: Signature = {
  what: "a bgzipped VCF",
  starts: [{ bgzf: true, magic: "##fileformat=VCF" }],
  fix: "compress the VCF with bgzip (htslib), not gzip, and index it with tabix",
};
const VCF_INDEX: Signature = {
  what: "a tabix index (.tbi)",
  starts: [{ bgzf: true, magic: "TBI\u0001" }],
  fix: "index the bgzipped VCF with `tabix -p vcf` and upload its .tbi",
};

/** Signatures of the binary fields; the text fields have header checks instead, thumbnails none. */
export const FILE_SIGNATURES: Partial<Record<FileField, Signature>> = {
  vcf: VCF,
  vcf2: VCF,
  vcfIndex: VCF_INDEX,
  vcf2Index: VCF_INDEX,
  bam: {
    what: "a BAM file",
    starts: [{ bgzf: true, magic: "BAM\u0001" }],
    fix: "upload the BAM itself (samtools view -b), not a SAM or CRAM",
  },
  bai: {
    what: "a BAM index (.bai)",
    starts: [{ bgzf: false, magic: "BAI\u0001" }],
    fix: "index the BAM with `samtools index` and upload its .bai",
  },
};

/** Why `head` (the file's first bytes) is not what `field` must hold, or undefined when it is. */
export function signatureProblem(field: FileField, head: Buffer): { message: string; fix: string } | undefined {
  const signature = FILE_SIGNATURES[field];
  if (signature === undefined) return undefined;
  const compressed = isBgzf(head);
  const data = compressed ? inflatedStart(head) : head;
  const matches = signature.starts.some(
    ({ bgzf, magic }) =>
      bgzf === compressed && data !== undefined && data.subarray(0, magic.length).toString("latin1") === magic,
  );
  if (matches) return undefined;
  const start = (bytes: Buffer) => printable(bytes.subarray(0, 16).toString("latin1"), 20);
  const seen = !compressed
    ? head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b
      ? "it is plain gzip, not BGZF"
      : `it starts ${start(head)}`
    : data === undefined
      ? "it is BGZF that does not inflate (truncated or corrupt)"
      : data.length === 0
        ? "it is BGZF holding nothing"
        : `it is BGZF whose data starts ${start(data)}`;
  return { message: `is not ${signature.what} (${seen})`, fix: signature.fix };
}
