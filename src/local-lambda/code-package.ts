import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, writeFileSync, existsSync, renameSync, rmSync } from 'node:fs';
import { dirname, join, normalize, isAbsolute, sep } from 'node:path';
import { unzipSync } from 'fflate';
import { invalidParameter, LambdaServiceError } from './service-error.js';

/** Lambda's limits for a directly uploaded package. */
export const MAX_ZIP_UPLOAD_BYTES = 50 * 1024 * 1024;
export const MAX_UNZIPPED_BYTES = 262_144_000;

export interface CodePackage {
  readonly zip: Buffer;
  /** Base64 SHA-256 of the zip, as Lambda reports `CodeSha256`. */
  readonly sha256: string;
  readonly size: number;
  /** Where the package is unpacked; shared by every version with the same code. */
  readonly directory: string;
}

interface ZipEntryMode {
  readonly name: string;
  readonly mode: number;
}

/**
 * fflate unpacks contents but not Unix permissions, which OS-only runtimes need (an executable
 * `bootstrap`), so the central directory is read here for the external attributes.
 */
export function readEntryModes(zip: Uint8Array): ZipEntryMode[] {
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  const minEnd = Math.max(0, zip.length - 22 - 0xffff);
  let end = -1;
  for (let i = zip.length - 22; i >= minEnd; i--) {
    if (view.getUint32(i, true) === 0x06054b50) {
      end = i;
      break;
    }
  }
  if (end < 0) throw new Error('no end of central directory');
  const count = view.getUint16(end + 10, true);
  let offset = view.getUint32(end + 16, true);
  const modes: ZipEntryMode[] = [];
  for (let n = 0; n < count; n++) {
    if (offset + 46 > zip.length || view.getUint32(offset, true) !== 0x02014b50) {
      throw new Error('corrupt central directory');
    }
    const madeBy = view.getUint16(offset + 4, true) >> 8;
    const nameLength = view.getUint16(offset + 28, true);
    const extraLength = view.getUint16(offset + 30, true);
    const commentLength = view.getUint16(offset + 32, true);
    const external = view.getUint32(offset + 38, true);
    const name = Buffer.from(zip.subarray(offset + 46, offset + 46 + nameLength)).toString('utf8');
    // Host 3 is Unix: the high 16 bits hold st_mode. Other hosts carry no permissions.
    modes.push({ name, mode: madeBy === 3 ? external >>> 16 : 0 });
    offset += 46 + nameLength + extraLength + commentLength;
  }
  return modes;
}

function safeTarget(root: string, name: string): string {
  const normalized = normalize(name);
  if (isAbsolute(normalized) || normalized.split(sep).includes('..')) {
    throw new Error(`entry ${name} points outside the package`);
  }
  return join(root, normalized);
}

const unzipError = (): LambdaServiceError =>
  invalidParameter('Could not unzip uploaded file. Please check your file, then try to upload again.');

/**
 * Checks and unpacks a package under `codeRoot`, once per distinct content. Throws Lambda's
 * InvalidParameterValueException for anything Lambda itself would refuse.
 */
export function unpackCode(zip: Buffer, codeRoot: string): CodePackage {
  if (zip.length > MAX_ZIP_UPLOAD_BYTES) {
    throw new LambdaServiceError(
      'RequestEntityTooLargeException',
      `Request must be smaller than ${MAX_ZIP_UPLOAD_BYTES} bytes for the CreateFunction operation`,
    );
  }
  const digest = createHash('sha256').update(zip);
  const sha256 = digest.copy().digest('base64');
  const directory = join(codeRoot, digest.digest('hex'));
  if (!existsSync(directory)) {
    let files: Record<string, Uint8Array>;
    let modes: ZipEntryMode[];
    try {
      files = unzipSync(zip);
      modes = readEntryModes(zip);
    } catch {
      throw unzipError();
    }
    const total = Object.values(files).reduce((sum, content) => sum + content.length, 0);
    if (total > MAX_UNZIPPED_BYTES) {
      throw invalidParameter(`Unzipped size must be smaller than ${MAX_UNZIPPED_BYTES} bytes`);
    }
    const staging = `${directory}.partial-${process.pid}-${Date.now()}`;
    try {
      mkdirSync(staging, { recursive: true });
      const modeByName = new Map(modes.map((entry) => [entry.name, entry.mode & 0o777]));
      for (const [name, content] of Object.entries(files)) {
        const target = safeTarget(staging, name);
        if (name.endsWith('/')) {
          mkdirSync(target, { recursive: true });
          continue;
        }
        mkdirSync(dirname(target), { recursive: true });
        writeFileSync(target, content);
        const mode = modeByName.get(name);
        if (mode) chmodSync(target, mode);
      }
      renameSync(staging, directory);
    } catch (error) {
      rmSync(staging, { recursive: true, force: true });
      if (error instanceof LambdaServiceError) throw error;
      // A concurrent upload of the same content may have won the rename; its copy is as good.
      if (!existsSync(directory)) throw unzipError();
    }
  }
  return { zip, sha256, size: zip.length, directory };
}
