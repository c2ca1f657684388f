import { createHash, randomBytes } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  renameSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { dirname, join, normalize, isAbsolute, sep } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { Inflate } from 'fflate';
import {
  CorruptZip,
  entryData,
  MAX_UNZIPPED_BYTES,
  MAX_ZIP_UPLOAD_BYTES,
  readCentralDirectory,
  type ZipEntry,
} from '../../zip-archive.js';
import { invalidParameter, LambdaServiceError } from '../http/service-error.js';

export interface CodePackage {
  /** Base64 SHA-256 of the zip, as Lambda reports `CodeSha256`. */
  readonly sha256: string;
  readonly size: number;
  /** Where the package is unpacked; shared by every version with the same code. */
  readonly directory: string;
  /** The zip as uploaded, on disk beside the directory (GetFunction's download), not in memory. */
  readonly zipFile: string;
}

const tooLarge = (): LambdaServiceError =>
  invalidParameter(`Unzipped size must be smaller than ${MAX_UNZIPPED_BYTES} bytes`);

/** Compressed input per step: at DEFLATE's best ratio (~1:1032) one step inflates to about 4 MB. */
const INFLATE_STEP_BYTES = 4096;

/**
 * Writes one entry to `fd`, inflating a few kilobytes at a time and counting as it goes, so an
 * entry that inflates past what it declared or past the package's budget stops there: a zip bomb
 * costs a few megabytes of memory and at most the budget on disk, never its inflated size.
 */
async function extractEntry(zip: Uint8Array, entry: ZipEntry, fd: number, budget: number, turn: Turn): Promise<number> {
  const data = entryData(zip, entry);
  let written = 0;
  const write = (chunk: Uint8Array): void => {
    written += chunk.length;
    if (written > budget) throw tooLarge();
    if (written > entry.size) throw new CorruptZip(`${entry.name} inflates past its declared size`);
    writeSync(fd, chunk);
  };
  if (entry.method === 0) write(data);
  else if (entry.method === 8) {
    const inflate = new Inflate((chunk) => write(chunk));
    for (let offset = 0; offset < data.length; offset += INFLATE_STEP_BYTES) {
      inflate.push(data.subarray(offset, offset + INFLATE_STEP_BYTES), offset + INFLATE_STEP_BYTES >= data.length);
      await turn();
    }
    if (data.length === 0) inflate.push(data, true);
  } else throw new CorruptZip(`${entry.name} uses compression method ${entry.method}`);
  if (written !== entry.size)
    throw new CorruptZip(`${entry.name} inflated to ${written} bytes, not the ${entry.size} it declared`);
  return written;
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

/** Yields to the event loop once the work since the last yield has taken a slice's worth. */
type Turn = () => Promise<void>;

/** How long unpacking holds the event loop at a time: other requests are answered in between. */
const SLICE_MS = 10;

function slicer(): Turn {
  let since = performance.now();
  return async () => {
    if (performance.now() - since < SLICE_MS) return;
    await nextTurn();
    since = performance.now();
  };
}

/** What names a package before it is unpacked: its digest, and where it goes under `codeRoot`. */
export function identifyPackage(zip: Buffer, codeRoot: string): CodePackage {
  if (zip.length > MAX_ZIP_UPLOAD_BYTES) {
    throw new LambdaServiceError(
      'RequestEntityTooLargeException',
      `Request must be smaller than ${MAX_ZIP_UPLOAD_BYTES} bytes for the CreateFunction operation`,
    );
  }
  const digest = createHash('sha256').update(zip);
  const sha256 = digest.copy().digest('base64');
  const directory = join(codeRoot, digest.digest('hex'));
  return { sha256, size: zip.length, directory, zipFile: `${directory}.zip` };
}

/**
 * Checks and unpacks a package into its directory, unless it is there already, and keeps the zip
 * beside it. Throws Lambda's InvalidParameterValueException for anything Lambda itself would
 * refuse: a corrupt archive, or one whose declared or actual unzipped size passes 250 MB (checked
 * while inflating). The work goes in slices of the event loop, so a package of 65,535 small
 * entries or of 250 MB holds up no other request for long.
 */
export async function unpackCode(zip: Buffer, pkg: CodePackage): Promise<void> {
  const { directory } = pkg;
  if (existsSync(directory)) return;
  let entries: ZipEntry[];
  try {
    entries = readCentralDirectory(zip);
  } catch {
    throw unzipError();
  }
  if (entries.reduce((sum, entry) => sum + entry.size, 0) > MAX_UNZIPPED_BYTES) throw tooLarge();
  const staging = `${directory}.partial-${process.pid}-${randomBytes(4).toString('hex')}`;
  const turn = slicer();
  try {
    mkdirSync(staging, { recursive: true });
    let written = 0;
    for (const entry of entries) {
      await turn();
      const target = safeTarget(staging, entry.name);
      if (entry.name.endsWith('/')) {
        mkdirSync(target, { recursive: true });
        continue;
      }
      mkdirSync(dirname(target), { recursive: true });
      const fd = openSync(target, 'w');
      try {
        written += await extractEntry(zip, entry, fd, MAX_UNZIPPED_BYTES - written, turn);
      } finally {
        closeSync(fd);
      }
      if (entry.mode & 0o777) chmodSync(target, entry.mode & 0o777);
    }
    writeFileSync(`${staging}.zip`, zip);
    renameSync(`${staging}.zip`, pkg.zipFile);
    renameSync(staging, directory);
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    rmSync(`${staging}.zip`, { force: true });
    if (error instanceof LambdaServiceError) throw error;
    // A concurrent upload of the same content may have won the rename; its copy is as good.
    if (!existsSync(directory)) throw unzipError();
  }
}
