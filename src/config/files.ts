import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import {
  CorruptZip,
  MAX_UNZIPPED_BYTES,
  MAX_ZIP_UPLOAD_BYTES,
  readCentralDirectory,
  readEntry,
  type ZipEntry,
} from '../zip-archive.js';
import { ConfigError } from './config-error.js';
import { missingHandler, type HandlerLanguage } from './handler-exports.js';
import type { CodeLocation, FunctionSpec, GateConfig } from './types.js';

/** A handler file larger than this is not read: a bundle that size is left to the first call. */
const MAX_HANDLER_FILE_BYTES = 5 * 1024 * 1024;

/** A build on this machine, as far as the checks below need it: which files it holds, and what is in them. */
interface LocalPackage {
  readonly path: string;
  holds(file: string): boolean;
  /** A file's text; undefined when it is larger than `MAX_HANDLER_FILE_BYTES`, outside the build, or unreadable. */
  read(file: string): string | undefined;
  /** Where the file is one directory down (`validator/index.js`), when it is there in exactly one. */
  below(file: string): string | undefined;
}

/** The one path among `paths` that is `file` one directory down, if exactly one is. */
function oneBelow(paths: readonly string[], file: string): string | undefined {
  const found = paths.filter(
    (path) => path.endsWith(`/${file}`) && path.split('/').length === file.split('/').length + 1,
  );
  return found.length === 1 ? found[0] : undefined;
}

function directoriesIn(path: string): string[] {
  try {
    return readdirSync(path, { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && entry.name !== 'node_modules')
      .map((entry) => entry.name);
  } catch {
    return [];
  }
}

/** What is wrong with a local build, or what it holds; nothing for builds elsewhere (S3, images, versions). */
type Opened = { readonly problem: string } | LocalPackage | undefined;

function open(location: CodeLocation, where: string): Opened {
  if (location.kind === 'directory') {
    const { path } = location;
    return {
      path,
      holds: (file) => existsSync(join(path, file)),
      read: (file) => readInside(path, file),
      below: (file) =>
        oneBelow(
          directoriesIn(path)
            .map((directory) => `${directory}/${file}`)
            .filter((candidate) => existsSync(join(path, candidate))),
          file,
        ),
    };
  }
  return location.kind === 'zip' ? openZip(location.path, where) : undefined;
}

/** A file of a build directory, unless it (or a link on the way) leads out of the directory. */
function readInside(directory: string, file: string): string | undefined {
  try {
    const root = realpathSync(directory);
    const path = realpathSync(join(directory, file));
    const inside = relative(root, path);
    if (inside.startsWith(`..${sep}`) || inside === '..' || statSync(path).size > MAX_HANDLER_FILE_BYTES)
      return undefined;
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * What Lambda checks of an uploaded zip, from its central directory alone: that it is one, and its
 * sizes zipped and unzipped. A corrupt build fails here, naming the file, instead of as "Could not
 * unzip uploaded file" after functions were created.
 */
function openZip(path: string, where: string): Opened {
  const size = statSync(path).size;
  if (size > MAX_ZIP_UPLOAD_BYTES)
    return {
      problem: `${where}: ${path} is ${size} bytes; Lambda takes at most ${MAX_ZIP_UPLOAD_BYTES} (50 MB) uploaded directly: upload it to S3 and give {s3: s3://bucket/key}`,
    };
  let zip: Buffer;
  let byName: Map<string, ZipEntry>;
  try {
    zip = readFileSync(path);
    const entries = readCentralDirectory(zip);
    const unzipped = entries.reduce((sum, entry) => sum + entry.size, 0);
    if (unzipped > MAX_UNZIPPED_BYTES)
      return {
        problem: `${where}: ${path} unzips to ${unzipped} bytes; Lambda takes at most ${MAX_UNZIPPED_BYTES} (250 MB)`,
      };
    byName = new Map(entries.map((entry) => [entry.name, entry]));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code) return { problem: `${where}: ${path} cannot be read (${code})` };
    if (!(error instanceof CorruptZip)) throw error;
    return { problem: `${where}: ${path} is not a zip archive Lambda can unzip (${error.message}); build it again` };
  }
  const read = (file: string): string | undefined => {
    const entry = byName.get(file);
    try {
      return entry && readEntry(zip, entry, MAX_HANDLER_FILE_BYTES)?.toString('utf8');
    } catch (error) {
      // An entry that does not inflate fails at deployment, as Lambda says; not this check's to refuse.
      if (error instanceof CorruptZip) return undefined;
      throw error;
    }
  };
  return { path, holds: (file) => byName.has(file), read, below: (file) => oneBelow([...byName.keys()], file) };
}

/**
 * The candidate's handler file, for the runtimes whose handler names one. Only the candidate's:
 * a pull request may well be the one that fixes a broken baseline.
 */
function handlerProblem(spec: FunctionSpec, build: LocalPackage, where: string): string | undefined {
  if (!spec.runtime || !spec.handler) return undefined;
  if (spec.runtime.startsWith('provided')) {
    return build.holds('bootstrap')
      ? undefined
      : `${where}.candidate: ${build.path} has no executable named bootstrap, which ${spec.runtime} starts`;
  }
  const parts = handlerParts(spec.runtime, spec.handler);
  if (!parts) return undefined;
  const { module, files, language } = parts;
  const held = files.filter((file) => build.holds(file));
  if (!held.length)
    return `${where}.handler: "${spec.handler}" names ${files.join(' or ')}, which ${build.path} does not hold${missingFileHint(spec.runtime, parts, build, where)}`;
  const extension = language === 'node' ? /^(?:m?js|cjs)\./.exec(parts.path) : null;
  if (extension && build.holds(`${module}.${parts.path.slice(0, extension[0].length - 1)}`))
    return `${where}.handler: "${spec.handler}" reads as the property ${parts.path} of ${module}; leave out the extension: "${module}.${parts.path.slice(extension[0].length)}"`;
  return exportProblem(spec.handler, parts, held, build, where);
}

interface HandlerParts {
  readonly language: HandlerLanguage;
  /** The module's path without its extension, as the runtime reads it. */
  readonly module: string;
  /** What the runtime looks up in the module (Node.js walks a dotted path). */
  readonly path: string;
  /** The files that can hold the module, in the runtime's order. */
  readonly files: readonly string[];
}

/**
 * A handler as the runtimes read it. Node.js (and the local bootstrap): the module is the name
 * after the last slash up to its first dot, the rest a property path (`index.handlers.orders`).
 * Python: the module is everything before the last dot, a file or a package's __init__.py.
 */
function handlerParts(runtime: string, handler: string): HandlerParts | undefined {
  if (runtime.startsWith('nodejs')) {
    const slash = handler.lastIndexOf('/');
    const dot = handler.indexOf('.', slash + 1);
    const module = handler.slice(0, dot);
    return {
      language: 'node',
      module,
      path: handler.slice(dot + 1),
      files: ['.js', '.mjs', '.cjs'].map((ext) => `${module}${ext}`),
    };
  }
  if (!runtime.startsWith('python')) return undefined;
  const dot = handler.lastIndexOf('.');
  const module = handler.slice(0, dot);
  const file = module.replaceAll('.', '/');
  return { language: 'python', module, path: handler.slice(dot + 1), files: [`${file}.py`, `${file}/__init__.py`] };
}

/**
 * What a handler file that is not there most likely means: the extension written into the
 * handler (`app.py.handler`), code of the other language than the runtime's, or the file one
 * directory down.
 */
function missingFileHint(runtime: string, parts: HandlerParts, build: LocalPackage, where: string): string {
  const { module, path, files, language } = parts;
  if (language === 'python' && module.endsWith('.py') && build.holds(module))
    return `; leave out the extension: "${module.slice(0, -3)}.${path}"`;
  const other = (
    language === 'python' ? handlerParts('nodejs', `${module}.${path}`) : handlerParts('python', `${module}.${path}`)
  )!.files.find((file) => build.holds(file));
  if (other) {
    const family = language === 'python' ? 'Node.js (nodejs22.x, say)' : 'Python (python3.13, say)';
    return `; it holds ${other}: is ${where}.runtime (${runtime}) meant to be ${family}?`;
  }
  const below = files.map((file) => build.below(file)).find(Boolean);
  if (!below) return '';
  const directory = below.slice(0, below.indexOf('/'));
  return build.path.endsWith('.zip')
    ? `; it holds ${below}: zip the contents of ${directory}/, not the directory itself`
    : `; it holds ${below}: is the build ${join(build.path, directory)}?`;
}

/**
 * The function a handler names, looked for in the text of its file (or files: Node.js takes the
 * first of .js, .mjs and .cjs there is). Refused only when no file can define it, so that
 * `index.handle` beside `exports.handler` costs no deployment; see missingHandler.
 */
function exportProblem(
  handler: string,
  { language, path }: HandlerParts,
  files: readonly string[],
  build: LocalPackage,
  where: string,
): string | undefined {
  // Node.js walks a property path from the module: its first name is what the file must define.
  const name = path.split('.')[0]!;
  const seen: string[] = [];
  for (const file of files) {
    const text = build.read(file);
    const missing = text === undefined ? undefined : missingHandler(text, name, language);
    if (!missing) return undefined;
    seen.push(...missing);
  }
  const named = [...new Set(seen)];
  const [subject, define, verb] =
    files.length > 1
      ? ['they', 'define', language === 'python' ? 'define' : 'export']
      : ['it', 'defines', language === 'python' ? 'defines' : 'exports'];
  const shown = named.length ? ` (${subject} ${verb}: ${named.join(', ')})` : '';
  return `${where}.handler: "${handler}": ${files.join(' and ')} in ${build.path} ${define} nothing named "${name}"${shown}`;
}

/**
 * A Node.js or Python handler is FILE.FUNCTION. Without a dot (or with nothing on one side of the
 * last one), the file it would name is not the file the user meant ("index" read as inde.js), so it
 * is refused for its form, wherever the code is.
 */
function handlerFormProblem(spec: FunctionSpec, where: string): string | undefined {
  if (!spec.runtime || !spec.handler) return undefined;
  const node = spec.runtime.startsWith('nodejs');
  if (!node && !spec.runtime.startsWith('python')) return undefined;
  const dot = spec.handler.lastIndexOf('.');
  if (dot > 0 && dot < spec.handler.length - 1) return undefined;
  const [verb, example] = node ? ['exports', 'index.handler'] : ['defines', 'handler.lambda_handler'];
  return `${where}.handler: "${spec.handler}" must be FILE.FUNCTION: the file's name without its extension, a dot, and the function it ${verb}, such as ${example}`;
}

function functionProblems(spec: FunctionSpec, where: string): string[] {
  const baseline = open(spec.baseline, `${where}.baseline`);
  const candidate = open(spec.candidate, `${where}.candidate`);
  const form = handlerFormProblem(spec, where);
  const handler = form ?? (candidate && !('problem' in candidate) ? handlerProblem(spec, candidate, where) : undefined);
  return [baseline, candidate]
    .flatMap((opened) => (opened && 'problem' in opened ? [opened.problem] : []))
    .concat(handler ?? []);
}

const LOCAL_ONLY_FILES = 'the embedded local service (--local) starts empty and runs code from this machine only';

/**
 * What the embedded local service cannot run: code in S3 or an image, a version or alias of a
 * function it does not have, and a template (a production function) it does not have either.
 */
function embeddedServiceProblems(spec: FunctionSpec, where: string): string[] {
  const problems: string[] = [];
  for (const key of ['baseline', 'candidate'] as const) {
    const location = spec[key];
    if (location.kind === 'directory' || location.kind === 'zip') continue;
    problems.push(
      `${where}.${key}: ${location.kind === 's3' ? 'code in S3' : location.kind === 'image' ? 'a container image' : `an existing function's ${location.kind}`} cannot run here: ${LOCAL_ONLY_FILES}; give the build's directory or .zip file`,
    );
  }
  if (spec.template)
    problems.push(
      `${where}.template: "${spec.template}" names an existing function, and ${LOCAL_ONLY_FILES}; give runtime and handler instead (and memory), or leave out --local to read it on AWS`,
    );
  return problems;
}

/**
 * Checks the files a configuration names, as `validate` and every run do before the first call
 * (so a missing handler file or a corrupt zip costs no deployment); throws a ConfigError naming each problem.
 * On the embedded local service (`local`), also what it cannot run.
 */
export function checkConfigFiles(config: GateConfig, source: string, options: { local?: boolean } = {}): void {
  const problems = config.functions.flatMap((spec, i) => [
    ...functionProblems(spec, `functions[${i}]`),
    ...(options.local ? embeddedServiceProblems(spec, `functions[${i}]`) : []),
  ]);
  if (problems.length) throw new ConfigError(source, problems);
}
