// Checks a WARC/WET file with a reader that is not winnow's: webrecorder's
// warcio.js (WARCParser). For every record it verifies that
//   - warcio parses it, without a warning, as WARC/1.0 or WARC/1.1 with the
//     spec's mandatory WARC-Type, WARC-Record-ID and WARC-Date;
//   - Content-Length is decimal and equals the block's byte length;
//   - WARC-Block-Digest, when present, matches the block (sha1, sha256 or
//     md5; base32 as Common Crawl writes it, or hex), computed with
//     node:crypto;
//   - the framing is exact: the block is followed by CRLF CRLF and the next
//     record (or the end of the file) starts right after it.
// A .gz file (one or more gzip members) is inflated first.
//
// Usage: node check.mjs FILE
// Prints "N records ok" on stdout and exits 0; otherwise lists the
// problems on stderr and exits 1 (2 on a usage error).
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { gunzipSync } from "node:zlib";

import { WARCParser } from "warcio";

const kBase32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const kMaxShown = 20;

// RFC 4648 base32, upper case, no padding (20-byte SHA-1 needs none).
function base32(bytes) {
  let out = "";
  let bits = 0;
  let value = 0;
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += kBase32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    value &= (1 << bits) - 1;
  }
  if (bits > 0) out += kBase32[(value << (5 - bits)) & 31];
  return out;
}

// Why `digest` (a WARC-Block-Digest value) does not match `block`, or "".
function digestProblem(digest, block) {
  const match = /^(sha1|sha256|md5):(.+)$/i.exec(digest.trim());
  if (!match) return `unsupported WARC-Block-Digest '${digest}'`;
  const algorithm = match[1].toLowerCase();
  const given = match[2];
  const hash = createHash(algorithm).update(block).digest();
  if (given === base32(hash).replace(/=+$/, "")) return "";
  if (given.toLowerCase() === hash.toString("hex")) return "";
  return `WARC-Block-Digest is '${digest}' but the block's is ` +
         `'${algorithm}:${base32(hash)}'`;
}

function indexOfBytes(haystack, needle, from) {
  return haystack.indexOf(Buffer.from(needle, "latin1"), from);
}

async function main() {
  if (process.argv.length !== 3) {
    console.error("usage: node check.mjs FILE");
    return 2;
  }
  const path = process.argv[2];
  let data = await readFile(path);
  if (data.length >= 2 && data[0] === 0x1f && data[1] === 0x8b) {
    data = gunzipSync(data);
  }

  const problems = [];
  // warcio reports some framing errors ("Content-Length Too Small") only
  // through console.warn; they count as problems here.
  const warn = console.warn;
  console.warn = (...args) => problems.push(`warcio: ${args.join(" ")}`);

  let count = 0;
  let expectedStart = 0;  // where the next record must begin
  try {
    const parser = new WARCParser([data], { parseHttp: false });
    for await (const record of parser) {
      count += 1;
      const start = parser.offset;
      const where = `record ${count} at byte ${start}`;
      const headers = record.warcHeaders.headers;
      const block = Buffer.from(await record.readFully(false));

      if (start !== expectedStart) {
        problems.push(`${where}: the previous record ended at byte ` +
                      expectedStart);
      }
      const version = record.warcHeaders.statusline;
      if (version !== "WARC/1.0" && version !== "WARC/1.1") {
        problems.push(`${where}: version line '${version}'`);
      }
      for (const name of ["WARC-Type", "WARC-Record-ID", "WARC-Date"]) {
        if (!headers.get(name)) problems.push(`${where}: no ${name}`);
      }

      const declared = headers.get("Content-Length");
      if (declared === null || !/^[0-9]+$/.test(declared)) {
        problems.push(`${where}: Content-Length '${declared}'`);
      } else if (Number(declared) !== block.length) {
        problems.push(`${where}: Content-Length ${declared} but the block ` +
                      `has ${block.length} bytes`);
      }

      const digest = headers.get("WARC-Block-Digest");
      if (digest !== null) {
        const problem = digestProblem(digest, block);
        if (problem) problems.push(`${where}: ${problem}`);
      }

      // Framing, from the raw bytes: headers end at the first CRLF CRLF,
      // the block is what warcio returned, then CRLF CRLF.
      const headerEnd = indexOfBytes(data, "\r\n\r\n", start);
      if (headerEnd < 0) {
        problems.push(`${where}: no CRLF CRLF after the headers`);
        continue;
      }
      const blockStart = headerEnd + 4;
      const blockEnd = blockStart + block.length;
      if (!data.subarray(blockStart, blockEnd).equals(block)) {
        problems.push(`${where}: the block warcio read is not the bytes ` +
                      "after the headers");
      }
      const trailer = data.subarray(blockEnd, blockEnd + 4);
      if (!trailer.equals(Buffer.from("\r\n\r\n", "latin1"))) {
        problems.push(`${where}: block followed by ` +
                      `${JSON.stringify(trailer.toString("latin1"))}, ` +
                      "not CRLF CRLF");
      }
      expectedStart = blockEnd + 4;
    }
  } catch (error) {
    problems.push(`warcio failed after ${count} records: ${error.message}`);
  } finally {
    console.warn = warn;
  }
  if (count === 0) problems.push("no WARC records");
  if (count > 0 && expectedStart < data.length) {
    problems.push(`${data.length - expectedStart} bytes after the last ` +
                  `record (it ended at byte ${expectedStart})`);
  }

  if (problems.length > 0) {
    for (const problem of problems.slice(0, kMaxShown)) {
      console.error(`check.mjs: ${path}: ${problem}`);
    }
    if (problems.length > kMaxShown) {
      console.error(`check.mjs: ${path}: ... and ` +
                    `${problems.length - kMaxShown} more problems`);
    }
    return 1;
  }
  console.log(`${count} records ok`);
  return 0;
}

process.exitCode = await main().catch((error) => {
  console.error(`check.mjs: ${error.message}`);
  return 1;
});
