import { inflateRawSync } from 'node:zlib';

/**
 * A zip archive's table of contents (its central directory), read without inflating anything: the
 * local service unpacks by it, and the configuration check refuses a package Lambda could not unzip
 * (and reads the one small entry that holds the handler).
 */

/** Lambda's limits for a directly uploaded package. */
export const MAX_ZIP_UPLOAD_BYTES = 50 * 1024 * 1024;
export const MAX_UNZIPPED_BYTES = 262_144_000;

interface ZipEntryMode {
  readonly name: string;
  readonly mode: number;
}

/** One central directory record: what the archive says about an entry before it is read. */
export interface ZipEntry extends ZipEntryMode {
  readonly method: number;
  readonly flags: number;
  readonly compressedSize: number;
  /** The declared size; the inflated bytes must come to exactly this. */
  readonly size: number;
  readonly localOffset: number;
}

/** An archive that is no zip, or whose records contradict each other; the message says what. */
export class CorruptZip extends Error {}

export function readCentralDirectory(zip: Uint8Array): ZipEntry[] {
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  const minEnd = Math.max(0, zip.length - 22 - 0xffff);
  let end = -1;
  for (let i = zip.length - 22; i >= minEnd; i--) {
    if (view.getUint32(i, true) === 0x06054b50) {
      end = i;
      break;
    }
  }
  if (end < 0) throw new CorruptZip('no end of central directory');
  const count = view.getUint16(end + 10, true);
  let offset = view.getUint32(end + 16, true);
  const entries: ZipEntry[] = [];
  for (let n = 0; n < count; n++) {
    if (offset + 46 > zip.length || view.getUint32(offset, true) !== 0x02014b50) {
      throw new CorruptZip('corrupt central directory');
    }
    const madeBy = view.getUint16(offset + 4, true) >> 8;
    const nameLength = view.getUint16(offset + 28, true);
    const extraLength = view.getUint16(offset + 30, true);
    const commentLength = view.getUint16(offset + 32, true);
    const external = view.getUint32(offset + 38, true);
    const name = Buffer.from(zip.subarray(offset + 46, offset + 46 + nameLength)).toString('utf8');
    entries.push({
      name,
      // Host 3 is Unix: the high 16 bits hold st_mode. Other hosts carry no permissions.
      mode: madeBy === 3 ? external >>> 16 : 0,
      flags: view.getUint16(offset + 8, true),
      method: view.getUint16(offset + 10, true),
      compressedSize: view.getUint32(offset + 20, true),
      size: view.getUint32(offset + 24, true),
      localOffset: view.getUint32(offset + 42, true),
    });
    offset += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

/** Names and Unix permissions (OS-only runtimes need an executable `bootstrap`) as the archive records them. */
export function readEntryModes(zip: Uint8Array): ZipEntryMode[] {
  return readCentralDirectory(zip).map(({ name, mode }) => ({ name, mode }));
}

/** An entry's stored bytes (compressed by its `method`), from its local header on. */
export function entryData(zip: Uint8Array, entry: ZipEntry): Uint8Array {
  if (entry.flags & 0x1) throw new CorruptZip(`${entry.name} is encrypted`);
  if (entry.size === 0xffffffff || entry.compressedSize === 0xffffffff)
    throw new CorruptZip(`${entry.name} needs ZIP64`);
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  const at = entry.localOffset;
  if (at + 30 > zip.length || view.getUint32(at, true) !== 0x04034b50)
    throw new CorruptZip(`${entry.name}: no local header`);
  const start = at + 30 + view.getUint16(at + 26, true) + view.getUint16(at + 28, true);
  if (start + entry.compressedSize > zip.length) throw new CorruptZip(`${entry.name} runs past the end of the archive`);
  return zip.subarray(start, start + entry.compressedSize);
}

/**
 * One entry's content, when it declares at most `maxBytes`; undefined for a larger one. Inflating
 * stops at the declared size, so an entry that lies about it costs no more than that.
 */
export function readEntry(zip: Uint8Array, entry: ZipEntry, maxBytes: number): Buffer | undefined {
  if (entry.size > maxBytes) return undefined;
  const data = entryData(zip, entry);
  if (entry.method === 0) return Buffer.from(data);
  if (entry.method !== 8) throw new CorruptZip(`${entry.name} uses compression method ${entry.method}`);
  try {
    return inflateRawSync(data, { maxOutputLength: Math.max(1, entry.size) });
  } catch (error) {
    throw new CorruptZip(`${entry.name} cannot be inflated (${(error as Error).message})`);
  }
}
