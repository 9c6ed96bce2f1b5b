// A zlib stream (RFC 1950) of stored deflate blocks: valid input to every inflater, uncompressed. The
// browser platform's deflate, where no synchronous compressor is built in (CompressionStream is async).

/** `bytes` wrapped as zlib stored blocks of at most 65,535 bytes, with the Adler-32 trailer. */
export function storedDeflate(bytes: Uint8Array): Uint8Array {
  const blocks = Math.max(1, Math.ceil(bytes.length / 0xffff));
  const out = new Uint8Array(2 + blocks * 5 + bytes.length + 4);
  out[0] = 0x78; // deflate, 32 KiB window
  out[1] = 0x01; // no preset dictionary; (0x78 << 8 | 0x01) % 31 == 0
  let o = 2;
  for (let b = 0; b < blocks; b++) {
    const start = b * 0xffff,
      len = Math.min(0xffff, bytes.length - start);
    out[o++] = b === blocks - 1 ? 1 : 0; // BFINAL on the last, BTYPE 00 (stored)
    out[o++] = len & 0xff;
    out[o++] = len >>> 8;
    out[o++] = ~len & 0xff;
    out[o++] = (~len >>> 8) & 0xff;
    out.set(bytes.subarray(start, start + len), o);
    o += len;
  }
  let a = 1,
    s = 0;
  for (let i = 0; i < bytes.length; i++) {
    a = (a + bytes[i]!) % 65521;
    s = (s + a) % 65521;
  }
  const adler = ((s << 16) | a) >>> 0;
  out[o++] = adler >>> 24;
  out[o++] = (adler >>> 16) & 0xff;
  out[o++] = (adler >>> 8) & 0xff;
  out[o++] = adler & 0xff;
  return out;
}
