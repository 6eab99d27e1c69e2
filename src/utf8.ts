import { InvalidInputError } from './errors.js';

const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * The text of a file the user wrote (an import CSV, a legal document), which must be UTF-8. A file in another encoding
 * (Excel's plain "CSV" on Windows is Windows-1252) would otherwise be read with U+FFFD in place of every ä, ö, ü and
 * written to AWS that way; it is refused at `file:line` instead.
 */
export function decodeUtf8(bytes: Uint8Array, shown: string, fix = 'save the file as UTF-8'): string {
  try {
    return decoder.decode(bytes);
  } catch {
    // Excel's "Unicode Text" and Notepad's "Unicode" are UTF-16, which starts with a byte-order mark.
    if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) throw new InvalidInputError(`${shown}:1`, `UTF-16 text, not UTF-8; ${fix}`);
    const bad = firstInvalidByte(bytes);
    let line = 1;
    for (let i = 0; i < bad; i++) if (bytes[i] === 0x0a) line++;
    const hex = bytes[bad]!.toString(16).toUpperCase().padStart(2, '0');
    throw new InvalidInputError(`${shown}:${line}`, `not UTF-8 text (byte 0x${hex}; saved as Windows-1252 or Latin-1?); ${fix}`);
  }
}

/** Offset of the first byte that does not start or continue a valid UTF-8 sequence. */
function firstInvalidByte(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    const len = b < 0x80 ? 1 : b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
    if (len === 0 || i + len > bytes.length) return i;
    try {
      decoder.decode(bytes.subarray(i, i + len));
    } catch {
      return i;
    }
    i += len;
  }
  return Math.max(0, bytes.length - 1);
}
