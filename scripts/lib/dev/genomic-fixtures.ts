/**
 * Small files with the real binary formats the content check reads (BGZF blocks as bgzip writes
 * them, and the index and BAM magic numbers), for the demo, the benchmarks and the tests: a
 * fixture that only looks like a VCF would be refused by the check, as it should be.
 */
import { crc32, deflateRawSync } from "node:zlib";
import { roleOf } from "../cohort/discover";
import { REQUIRED_HEADERS } from "../cohort/content-check";

/** The 28-byte empty block that ends every BGZF file. */
export const BGZF_EOF = Buffer.from("1f8b08040000000000ff0600424302001b0003000000000000000000", "hex");

/** One BGZF block: a gzip member with the "BC" extra subfield giving the block's size. */
function bgzfBlock(data: Buffer): Buffer {
  const deflated = deflateRawSync(data);
  const header = Buffer.from("1f8b08040000000000ff0600424302000000", "hex");
  header.writeUInt16LE(header.length + deflated.length + 8 - 1, 16);
  const trailer = Buffer.alloc(8);
  trailer.writeUInt32LE(crc32(data), 0);
  trailer.writeUInt32LE(data.length, 4);
  return Buffer.concat([header, deflated, trailer]);
}

/** `data` compressed as bgzip does: blocks of at most 64 KiB of input, then the end-of-file block. */
export function bgzf(data: Buffer | string): Buffer {
  const bytes = Buffer.from(data);
  const blocks: Buffer[] = [];
  for (let offset = 0; offset < bytes.length; offset += 0xff00)
    blocks.push(bgzfBlock(bytes.subarray(offset, offset + 0xff00)));
  return Buffer.concat([...blocks, BGZF_EOF]);
}

/** A bgzipped VCF with one record. */
export function vcfFile(sample = "TUMOUR"): Buffer {
  return bgzf(
    `##fileformat=VCFv4.2\n##contig=<ID=chr1,length=248956422>\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t${sample}\n` +
      "chr1\t1000000\t.\tC\tT\t60\tPASS\t.\tGT\t0/1\n",
  );
}

/** A tabix index as `tabix -p vcf` starts it (the rest zeroed: the check reads only the start). */
export function tbiFile(): Buffer {
  return bgzf(Buffer.concat([Buffer.from("TBI\u0001"), Buffer.alloc(32)]));
}

/** A BAM's start: the magic, an empty header text and no reference sequences. */
export function bamFile(extraBytes = 0): Buffer {
  return bgzf(Buffer.concat([Buffer.from("BAM\u0001"), Buffer.alloc(8), Buffer.alloc(extraBytes)]));
}

/** A BAM index as `samtools index` starts it. */
export function baiFile(): Buffer {
  return Buffer.concat([Buffer.from("BAI\u0001"), Buffer.alloc(4)]);
}

/**
 * A small valid file for the field a file name means (discovery's rules): the header columns of an
 * SV, CNV or drivers file, the formats of VCF, BAM and their indexes. `tag` (text files only) makes
 * the bytes unique, in a comment line after the header.
 */
export function fixtureFor(name: string, tag?: string): Buffer {
  const role = roleOf(name.split("/").pop() ?? name);
  const note = tag === undefined ? "" : `# ${tag}\n`;
  switch (role) {
    case "sv":
    case "cnv":
    case "drivers":
      return Buffer.from(`${REQUIRED_HEADERS[role].join("\t")}\n${note}`);
    case "vcf":
    case "vcf2":
      return vcfFile();
    case "vcfIndex":
    case "vcf2Index":
      return tbiFile();
    case "bam":
      return bamFile();
    case "bai":
      return baiFile();
    default:
      return Buffer.from(`fixture ${name}\n${note}`);
  }
}
