// control-plane/: functions, versions and aliases, their code packages, and the control-plane routes.
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { RESERVED_VARIABLES, VARIABLES_LIMIT_BYTES, variablesBytes } from '../../model/lambda-environment.js';
import type { CodePackage } from './code-package.js';
import type { LogFormat } from '../logs/lines.js';
import type { PackageStore } from './package-store.js';
import { describeRuntime, SUPPORTED_RUNTIMES } from '../runtimes/index.js';
import { conflict, invalidParameter, LambdaServiceError, notFound, validationError } from '../http/service-error.js';

const ACCOUNT_ID = '000000000000';
const LATEST = '$LATEST';

export interface FunctionSettings {
  readonly runtime: string;
  readonly handler: string;
  readonly role: string;
  readonly memoryMb: number;
  readonly timeoutS: number;
  readonly description: string;
  readonly variables: Readonly<Record<string, string>>;
  readonly architectures: readonly ('x86_64' | 'arm64')[];
  readonly ephemeralStorageMb: number;
  readonly logFormat: LogFormat;
  readonly logGroup: string;
  readonly snapStart: 'None' | 'PublishedVersions';
  /** Settings Lambda takes only at CreateFunction (TenancyConfig, DurableConfig, CapacityProviderConfig), kept as given and echoed. */
  readonly createOnly: Readonly<Record<string, Json>>;
}

/** One version of a function: `$LATEST` (mutable) or a published, immutable number. */
export interface VersionRecord {
  readonly version: string;
  readonly settings: FunctionSettings;
  readonly code: CodePackage;
  readonly revisionId: string;
  readonly lastModified: string;
  readonly description: string;
}

export interface AliasRecord {
  readonly name: string;
  readonly functionVersion: string;
  readonly description: string;
  readonly additionalVersionWeights: Readonly<Record<string, number>>;
  readonly revisionId: string;
}

interface FunctionRecord {
  readonly name: string;
  /** What GetFunction shows for $LATEST, including an update still in progress. */
  latest: VersionRecord;
  /** What invocations of $LATEST run: the last completed update. */
  active: VersionRecord;
  state: 'Pending' | 'Active';
  lastUpdateStatus: 'InProgress' | 'Successful';
  pendingTimer: NodeJS.Timeout | undefined;
  readonly versions: Map<string, VersionRecord>;
  readonly aliases: Map<string, AliasRecord>;
  nextVersion: number;
  readonly tags: Record<string, string>;
}

export interface FunctionReference {
  readonly name: string;
  readonly qualifier?: string;
}

export interface StoreEvents {
  /** Environments of this function (and version, when given) must not serve again. */
  retire(functionName: string, version?: string): void;
}

/**
 * Lambda's pattern for an environment variable's name, [a-zA-Z]([a-zA-Z0-9_])+, but taking one
 * letter alone too (whether Lambda refuses it is not documented).
 */
const VARIABLE_NAME = /^[a-zA-Z][a-zA-Z0-9_]*$/;

/** Refuses what Lambda refuses: a malformed or reserved name, or more than 4 KB in all. */
function checkVariables(variables: Readonly<Record<string, string>>): void {
  const malformed = Object.keys(variables).find((key) => !VARIABLE_NAME.test(key));
  if (malformed !== undefined)
    throw validationError(
      'environment.variables',
      malformed,
      'Map keys must satisfy constraint: [Member must satisfy regular expression pattern: [a-zA-Z]([a-zA-Z0-9_])+]',
    );
  const reserved = Object.keys(variables).filter((key) => RESERVED_VARIABLES.has(key));
  if (reserved.length) {
    throw invalidParameter(
      `Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys that are currently not supported for modification. Reserved keys used in this request: ${reserved.join(',')}`,
    );
  }
  const bytes = variablesBytes(variables);
  if (bytes > VARIABLES_LIMIT_BYTES) {
    throw invalidParameter(
      `Lambda was unable to configure your environment variables because the environment variables you have provided exceeded the 4KB limit. Size measured: ${bytes} bytes of names and values.`,
    );
  }
}

const FUNCTION_REF =
  /^(?:arn:aws[a-zA-Z-]*:lambda:[a-z]{2}(?:-gov)?-[a-z]+-\d:\d{12}:function:|\d{12}:function:)?([a-zA-Z0-9_-]+)(?::(\$LATEST|[a-zA-Z0-9_-]+))?$/;

/** Accepts a name, a partial ARN or a full ARN, each optionally qualified, as Lambda does. */
export function parseFunctionReference(raw: string, queryQualifier?: string): FunctionReference {
  const match = FUNCTION_REF.exec(raw);
  if (!match?.[1] || match[1].length > 64) {
    throw validationError(
      'functionName',
      raw,
      'Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_\\.]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?',
    );
  }
  const fromName = match[2];
  if (fromName && queryQualifier && fromName !== queryQualifier) {
    throw invalidParameter('The derived qualifier from the function name does not match the specified qualifier.');
  }
  const qualifier = fromName ?? queryQualifier;
  return qualifier ? { name: match[1], qualifier } : { name: match[1] };
}

function lambdaTimestamp(date: Date): string {
  return date.toISOString().replace('Z', '+0000');
}

type Json = Record<string, unknown>;

/** CreateFunction parameters that cannot change afterwards. */
const CREATE_ONLY_SETTINGS = ['TenancyConfig', 'DurableConfig', 'CapacityProviderConfig'] as const;

function asObject(value: unknown, field: string): Json {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw invalidParameter(`${field} must be an object`);
  return value as Json;
}

function optionalString(body: Json, key: string): string | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw invalidParameter(`${key} must be a string, got ${JSON.stringify(value)}`);
  return value;
}

function optionalInteger(body: Json, key: string): number | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw validationError(
      key.charAt(0).toLowerCase() + key.slice(1),
      JSON.stringify(value),
      'Member must be an integer',
    );
  }
  return value;
}

/**
 * The control plane's state: functions, versions and aliases, with Lambda's validation rules.
 * Invocation and environments live elsewhere; this module tells them when code must be retired.
 */
export class FunctionStore {
  private readonly functions = new Map<string, FunctionRecord>();
  /** The packages some version of some function runs, each held once in the package store. */
  private readonly held = new Set<string>();

  constructor(
    private readonly region: string,
    private readonly packages: Pick<PackageStore, 'add' | 'hold' | 'release'>,
    private readonly events: StoreEvents,
    private readonly updateDelayMs: () => number,
  ) {}

  arn(name: string, qualifier?: string): string {
    return `arn:aws:lambda:${this.region}:${ACCOUNT_ID}:function:${name}${qualifier ? `:${qualifier}` : ''}`;
  }

  create(body: Json): Promise<Json> {
    const name = optionalString(body, 'FunctionName');
    if (!name || !/^[a-zA-Z0-9_-]{1,64}$/.test(name)) {
      throw validationError(
        'functionName',
        name,
        'Member must satisfy regular expression pattern: [a-zA-Z0-9-_]+ and have length 1 to 64',
      );
    }
    if (this.functions.has(name)) throw conflict(`Function already exist: ${name}`);
    if (body.PackageType === 'Image')
      throw invalidParameter(
        'Container image functions are not supported by the local Lambda service; use a ZIP package.',
      );
    const code = asObject(body.Code, 'Code');
    const zip = zipBytes(code.ZipFile);
    if (!zip) {
      throw invalidParameter(
        'Code.ZipFile is required: the local Lambda service accepts ZIP packages uploaded directly (no S3 or images).',
      );
    }
    const settings = this.settings(name, body, undefined);
    const tags = Object.fromEntries(Object.entries(asObject(body.Tags, 'Tags')).map(([k, v]) => [k, String(v)]));
    const publish = body.Publish === true;
    // Nothing below holds the request (its base64 ZipFile) while the package unpacks.
    return this.withPackage(zip, (pkg) => {
      // Another CreateFunction of this name may have finished while the package unpacked.
      if (this.functions.has(name)) throw conflict(`Function already exist: ${name}`);
      return this.register(name, settings, pkg, tags, publish);
    });
  }

  private register(
    name: string,
    settings: FunctionSettings,
    pkg: CodePackage,
    tags: Record<string, string>,
    publish: boolean,
  ): Json {
    const record = this.newVersion(LATEST, settings, pkg, '');
    const fn: FunctionRecord = {
      name,
      latest: record,
      active: record,
      state: 'Pending',
      lastUpdateStatus: 'Successful',
      pendingTimer: undefined,
      versions: new Map(),
      aliases: new Map(),
      nextVersion: 1,
      tags,
    };
    this.functions.set(name, fn);
    this.afterDelay(fn, () => (fn.state = 'Active'));
    if (publish) return this.configuration(fn, this.publishFrom(fn, fn.latest, ''));
    return this.configuration(fn, fn.latest);
  }

  /**
   * Unpacks an upload and runs `use` with it; the package is held meanwhile, and afterwards
   * only if a version now runs it.
   */
  private async withPackage(zip: Buffer, use: (pkg: CodePackage) => Json): Promise<Json> {
    const pkg = await this.packages.add(zip);
    try {
      return use(pkg);
    } finally {
      this.holdWhatRuns();
      this.packages.release(pkg.directory);
    }
  }

  /** Holds the packages some version runs (or will, once an update completes), and no others. */
  private holdWhatRuns(): void {
    const running = new Set<string>();
    for (const fn of this.functions.values())
      for (const record of [fn.latest, fn.active, ...fn.versions.values()]) running.add(record.code.directory);
    for (const directory of running) if (!this.held.has(directory)) this.packages.hold(directory);
    for (const directory of this.held) if (!running.has(directory)) this.packages.release(directory);
    this.held.clear();
    for (const directory of running) this.held.add(directory);
  }

  get(ref: FunctionReference): Json {
    const fn = this.find(ref.name);
    const record = this.resolveRecord(fn, ref.qualifier);
    return {
      Configuration: this.configuration(fn, record),
      Code: {
        RepositoryType: 'S3',
        Location: `/local/code/${encodeURIComponent(fn.name)}/${encodeURIComponent(record.version)}`,
      },
      Tags: fn.tags,
    };
  }

  getConfiguration(ref: FunctionReference): Json {
    const fn = this.find(ref.name);
    return this.configuration(fn, this.resolveRecord(fn, ref.qualifier));
  }

  /** The package as uploaded, read from disk when asked for. */
  async codeOf(name: string, version: string): Promise<Buffer> {
    const fn = this.find(name);
    return readFile(this.resolveRecord(fn, version).code.zipFile);
  }

  list(marker: string | undefined, maxItems: number | undefined): Json {
    const all = [...this.functions.values()].sort((a, b) => a.name.localeCompare(b.name));
    const page = paginate(all, marker, maxItems);
    return { Functions: page.items.map((fn) => this.configuration(fn, fn.latest)), ...page.next };
  }

  listVersions(name: string, marker: string | undefined, maxItems: number | undefined): Json {
    const fn = this.find(name);
    const page = paginate([fn.latest, ...fn.versions.values()], marker, maxItems);
    return { Versions: page.items.map((record) => this.configuration(fn, record)), ...page.next };
  }

  updateCode(name: string, body: Json): Promise<Json> {
    const fn = this.find(name);
    this.checkUpdatable(fn, body);
    const zip = zipBytes(body.ZipFile);
    if (!zip) {
      throw invalidParameter(
        'ZipFile is required: the local Lambda service accepts ZIP packages uploaded directly (no S3 or images).',
      );
    }
    // Architectures travel with the code in UpdateFunctionCode, as on Lambda.
    const architectures = body.Architectures;
    if (architectures !== undefined) this.settings(name, { Architectures: architectures }, fn.latest.settings);
    const { RevisionId: revision, Publish: publish } = body;
    // Nothing below holds the request (its base64 ZipFile) while the package unpacks.
    return this.withPackage(zip, (code) => {
      // The function may have been deleted, or updated, while the package unpacked.
      if (this.functions.get(name) !== fn) throw notFound(`Function not found: ${this.arn(name)}`);
      this.checkUpdatable(fn, { RevisionId: revision });
      const settings =
        architectures === undefined
          ? fn.latest.settings
          : this.settings(name, { Architectures: architectures }, fn.latest.settings);
      this.startUpdate(fn, this.newVersion(LATEST, settings, code, fn.latest.description));
      if (publish === true) return this.configuration(fn, this.publishFrom(fn, fn.latest, ''));
      return this.configuration(fn, fn.latest);
    });
  }

  updateConfiguration(name: string, body: Json): Json {
    const fn = this.find(name);
    this.checkUpdatable(fn, body);
    const settings = this.settings(name, body, fn.latest.settings);
    this.startUpdate(fn, this.newVersion(LATEST, settings, fn.latest.code, settings.description));
    return this.configuration(fn, fn.latest);
  }

  publish(name: string, body: Json): Json {
    const fn = this.find(name);
    this.checkUpdatable(fn, body);
    const sha = optionalString(body, 'CodeSha256');
    if (sha && sha !== fn.latest.code.sha256) {
      throw invalidParameter(
        `CodeSHA256 (${sha}) is different from current CodeSHA256 in $LATEST (${fn.latest.code.sha256}). Please try again from latest version.`,
      );
    }
    return this.configuration(fn, this.publishFrom(fn, fn.latest, optionalString(body, 'Description') ?? ''));
  }

  deleteFunction(ref: FunctionReference): void {
    const fn = this.find(ref.name);
    if (ref.qualifier === undefined) {
      clearTimeout(fn.pendingTimer);
      this.functions.delete(fn.name);
      this.events.retire(fn.name);
      this.holdWhatRuns();
      return;
    }
    if (ref.qualifier === LATEST)
      throw invalidParameter('$LATEST version cannot be deleted without deleting the function.');
    if (!fn.versions.has(ref.qualifier)) throw notFound(`Function not found: ${this.arn(fn.name, ref.qualifier)}`);
    const using = [...fn.aliases.values()]
      .filter((alias) => alias.functionVersion === ref.qualifier || ref.qualifier! in alias.additionalVersionWeights)
      .map((alias) => alias.name);
    if (using.length) {
      throw conflict(`Unable to delete version because the following aliases reference it: [${using.join(', ')}]`);
    }
    fn.versions.delete(ref.qualifier);
    this.events.retire(fn.name, ref.qualifier);
    this.holdWhatRuns();
  }

  createAlias(name: string, body: Json): Json {
    const fn = this.find(name);
    const aliasName = optionalString(body, 'Name');
    if (!aliasName || !/^(?!^[0-9]+$)([a-zA-Z0-9_-]{1,128})$/.test(aliasName)) {
      throw validationError(
        'name',
        aliasName,
        'Member must satisfy regular expression pattern: (?!^[0-9]+$)([a-zA-Z0-9-_]+)',
      );
    }
    if (fn.aliases.has(aliasName)) throw conflict(`Alias already exists: ${this.arn(fn.name, aliasName)}`);
    const alias = this.aliasFrom(fn, aliasName, body, undefined);
    fn.aliases.set(aliasName, alias);
    return this.aliasConfiguration(fn, alias);
  }

  getAlias(name: string, aliasName: string): Json {
    const fn = this.find(name);
    return this.aliasConfiguration(fn, this.findAlias(fn, aliasName));
  }

  listAliases(name: string, marker: string | undefined, maxItems: number | undefined): Json {
    const fn = this.find(name);
    const page = paginate([...fn.aliases.values()], marker, maxItems);
    return { Aliases: page.items.map((alias) => this.aliasConfiguration(fn, alias)), ...page.next };
  }

  updateAlias(name: string, aliasName: string, body: Json): Json {
    const fn = this.find(name);
    const existing = this.findAlias(fn, aliasName);
    const revision = optionalString(body, 'RevisionId');
    if (revision && revision !== existing.revisionId) throw preconditionFailed();
    const alias = this.aliasFrom(fn, aliasName, body, existing);
    fn.aliases.set(aliasName, alias);
    return this.aliasConfiguration(fn, alias);
  }

  deleteAlias(name: string, aliasName: string): void {
    const fn = this.find(name);
    fn.aliases.delete(aliasName);
  }

  /** The code and settings an invocation of this reference runs, and the version it reports. */
  resolveForInvoke(
    ref: FunctionReference,
    random: () => number,
  ): { record: VersionRecord; executedVersion: string; functionName: string } {
    const fn = this.find(ref.name);
    if (fn.state !== 'Active') {
      throw conflict(
        `The operation cannot be performed at this time. The function is currently in the following state: ${fn.state}`,
      );
    }
    const qualifier = ref.qualifier ?? LATEST;
    if (qualifier === LATEST) return { record: fn.active, executedVersion: LATEST, functionName: fn.name };
    const alias = fn.aliases.get(qualifier);
    let version = qualifier;
    if (alias) {
      version = alias.functionVersion;
      let draw = random();
      for (const [extra, weight] of Object.entries(alias.additionalVersionWeights)) {
        if (draw < weight) {
          version = extra;
          break;
        }
        draw -= weight;
      }
    }
    const record = version === LATEST ? fn.active : fn.versions.get(version);
    if (!record) throw notFound(`Function not found: ${this.arn(fn.name, qualifier)}`);
    return { record, executedVersion: version, functionName: fn.name };
  }

  dispose(): void {
    for (const fn of this.functions.values()) clearTimeout(fn.pendingTimer);
  }

  private find(name: string): FunctionRecord {
    const fn = this.functions.get(name);
    if (!fn) throw notFound(`Function not found: ${this.arn(name)}`);
    return fn;
  }

  private findAlias(fn: FunctionRecord, aliasName: string): AliasRecord {
    const alias = fn.aliases.get(aliasName);
    if (!alias) throw notFound(`Alias not found: ${this.arn(fn.name, aliasName)}`);
    return alias;
  }

  private resolveRecord(fn: FunctionRecord, qualifier: string | undefined): VersionRecord {
    if (qualifier === undefined || qualifier === LATEST) return fn.latest;
    const version = fn.aliases.get(qualifier)?.functionVersion ?? qualifier;
    if (version === LATEST) return fn.latest;
    const record = fn.versions.get(version);
    if (!record) throw notFound(`Function not found: ${this.arn(fn.name, qualifier)}`);
    return record;
  }

  private checkUpdatable(fn: FunctionRecord, body: Json): void {
    if (fn.lastUpdateStatus === 'InProgress' || fn.state === 'Pending') {
      throw conflict(
        `The operation cannot be performed at this time. An update is in progress for resource: ${this.arn(fn.name)}`,
      );
    }
    const revision = optionalString(body, 'RevisionId');
    if (revision && revision !== fn.latest.revisionId) throw preconditionFailed();
  }

  private startUpdate(fn: FunctionRecord, next: VersionRecord): void {
    fn.latest = next;
    fn.lastUpdateStatus = 'InProgress';
    this.afterDelay(fn, () => {
      fn.active = fn.latest;
      fn.lastUpdateStatus = 'Successful';
      this.events.retire(fn.name, LATEST);
      this.holdWhatRuns();
    });
  }

  private afterDelay(fn: FunctionRecord, action: () => void): void {
    fn.pendingTimer = setTimeout(() => {
      fn.pendingTimer = undefined;
      action();
    }, this.updateDelayMs());
  }

  private publishFrom(fn: FunctionRecord, source: VersionRecord, description: string): VersionRecord {
    const previous = [...fn.versions.values()].at(-1);
    if (previous && previous.code.sha256 === source.code.sha256 && sameSettings(previous.settings, source.settings)) {
      return previous;
    }
    const version = String(fn.nextVersion++);
    const record: VersionRecord = { ...source, version, description: description || source.description };
    fn.versions.set(version, record);
    return record;
  }

  private newVersion(
    version: string,
    settings: FunctionSettings,
    code: CodePackage,
    description: string,
  ): VersionRecord {
    return {
      version,
      settings,
      code,
      revisionId: randomUUID(),
      lastModified: lambdaTimestamp(new Date()),
      description,
    };
  }

  private settings(name: string, body: Json, base: FunctionSettings | undefined): FunctionSettings {
    const runtime = optionalString(body, 'Runtime') ?? base?.runtime;
    if (!runtime) throw invalidParameter('Runtime is required for a ZIP package.');
    const described = describeRuntime(runtime);
    if (!described) {
      throw invalidParameter(
        `The runtime parameter of ${runtime} is not supported by the local Lambda service. Supported: ${SUPPORTED_RUNTIMES.join(', ')}.`,
      );
    }
    const handler = optionalString(body, 'Handler') ?? base?.handler;
    if (!handler && described.handlerRequired) throw invalidParameter('Handler is required for this runtime.');
    const memoryMb = optionalInteger(body, 'MemorySize') ?? base?.memoryMb ?? 128;
    if (memoryMb < 128)
      throw validationError('memorySize', memoryMb, 'Member must have value greater than or equal to 128');
    if (memoryMb > 10240)
      throw validationError('memorySize', memoryMb, 'Member must have value less than or equal to 10240');
    const timeoutS = optionalInteger(body, 'Timeout') ?? base?.timeoutS ?? 3;
    if (timeoutS < 1) throw validationError('timeout', timeoutS, 'Member must have value greater than or equal to 1');
    if (timeoutS > 900) throw validationError('timeout', timeoutS, 'Member must have value less than or equal to 900');
    const environment =
      body.Environment === undefined
        ? undefined
        : asObject(asObject(body.Environment, 'Environment').Variables, 'Environment.Variables');
    const variables =
      environment === undefined
        ? (base?.variables ?? {})
        : Object.fromEntries(Object.entries(environment).map(([k, v]) => [k, String(v)]));
    checkVariables(variables);
    const architectures = (body.Architectures as unknown) ?? base?.architectures ?? ['x86_64'];
    if (
      !Array.isArray(architectures) ||
      architectures.length !== 1 ||
      !['x86_64', 'arm64'].includes(String(architectures[0]))
    ) {
      throw validationError(
        'architectures',
        JSON.stringify(architectures),
        'Member must have length 1 and satisfy enum value set: [x86_64, arm64]',
      );
    }
    const storage =
      optionalInteger(asObject(body.EphemeralStorage, 'EphemeralStorage'), 'Size') ?? base?.ephemeralStorageMb ?? 512;
    if (storage < 512 || storage > 10240)
      throw validationError('ephemeralStorage.size', storage, 'Member must be between 512 and 10240');
    const logging = asObject(body.LoggingConfig, 'LoggingConfig');
    const logFormat = (optionalString(logging, 'LogFormat') ?? base?.logFormat ?? 'Text') as LogFormat;
    if (logFormat !== 'Text' && logFormat !== 'JSON')
      throw validationError('loggingConfig.logFormat', logFormat, 'Member must satisfy enum value set: [JSON, Text]');
    const snapStart = (optionalString(asObject(body.SnapStart, 'SnapStart'), 'ApplyOn') ??
      base?.snapStart ??
      'None') as FunctionSettings['snapStart'];
    if (snapStart !== 'None' && snapStart !== 'PublishedVersions')
      throw validationError(
        'snapStart.applyOn',
        snapStart,
        'Member must satisfy enum value set: [PublishedVersions, None]',
      );
    if (snapStart === 'PublishedVersions' && !described.snapStart) {
      throw invalidParameter(`${runtime} is not supported for SnapStart enabled functions.`);
    }
    // Create-time settings are stored and echoed, not acted on: the service runs every function on demand.
    const createOnly =
      base?.createOnly ??
      Object.fromEntries(
        CREATE_ONLY_SETTINGS.flatMap((key) => (body[key] === undefined ? [] : [[key, asObject(body[key], key)]])),
      );
    return {
      runtime,
      handler: handler ?? '',
      role: optionalString(body, 'Role') ?? base?.role ?? `arn:aws:iam::${ACCOUNT_ID}:role/lambda-local`,
      memoryMb,
      timeoutS,
      description: optionalString(body, 'Description') ?? base?.description ?? '',
      variables,
      architectures: architectures as FunctionSettings['architectures'],
      ephemeralStorageMb: storage,
      logFormat,
      logGroup: optionalString(logging, 'LogGroup') ?? base?.logGroup ?? `/aws/lambda/${name}`,
      snapStart,
      createOnly,
    };
  }

  private aliasFrom(fn: FunctionRecord, name: string, body: Json, existing: AliasRecord | undefined): AliasRecord {
    const functionVersion = optionalString(body, 'FunctionVersion') ?? existing?.functionVersion;
    if (!functionVersion) throw invalidParameter('FunctionVersion is required.');
    if (functionVersion !== LATEST && !fn.versions.has(functionVersion)) {
      throw notFound(`Function not found: ${this.arn(fn.name, functionVersion)}`);
    }
    const routing = asObject(body.RoutingConfig, 'RoutingConfig');
    const weights =
      body.RoutingConfig === undefined
        ? (existing?.additionalVersionWeights ?? {})
        : (asObject(routing.AdditionalVersionWeights, 'RoutingConfig.AdditionalVersionWeights') as Record<
            string,
            number
          >);
    for (const [version, weight] of Object.entries(weights)) {
      if (!fn.versions.has(version))
        throw invalidParameter(`RoutingConfig names version ${version}, which does not exist.`);
      if (typeof weight !== 'number' || weight < 0 || weight > 1)
        throw invalidParameter(`Routing weight for version ${version} must be between 0.0 and 1.0.`);
    }
    return {
      name,
      functionVersion,
      description: optionalString(body, 'Description') ?? existing?.description ?? '',
      additionalVersionWeights: weights,
      revisionId: randomUUID(),
    };
  }

  private aliasConfiguration(fn: FunctionRecord, alias: AliasRecord): Json {
    return {
      AliasArn: this.arn(fn.name, alias.name),
      Name: alias.name,
      FunctionVersion: alias.functionVersion,
      Description: alias.description,
      RevisionId: alias.revisionId,
      ...(Object.keys(alias.additionalVersionWeights).length
        ? { RoutingConfig: { AdditionalVersionWeights: alias.additionalVersionWeights } }
        : {}),
    };
  }

  private configuration(fn: FunctionRecord, record: VersionRecord): Json {
    const s = record.settings;
    const isLatest = record.version === LATEST;
    return {
      FunctionName: fn.name,
      FunctionArn: this.arn(fn.name, isLatest ? undefined : record.version),
      Runtime: s.runtime,
      Role: s.role,
      Handler: s.handler,
      CodeSize: record.code.size,
      Description: record.description,
      Timeout: s.timeoutS,
      MemorySize: s.memoryMb,
      LastModified: record.lastModified,
      CodeSha256: record.code.sha256,
      Version: record.version,
      Environment: { Variables: s.variables },
      TracingConfig: { Mode: 'PassThrough' },
      RevisionId: record.revisionId,
      State: isLatest ? fn.state : 'Active',
      ...(fn.state === 'Pending' && isLatest
        ? { StateReason: 'The function is being created.', StateReasonCode: 'Creating' }
        : {}),
      LastUpdateStatus: isLatest ? fn.lastUpdateStatus : 'Successful',
      PackageType: 'Zip',
      Architectures: s.architectures,
      EphemeralStorage: { Size: s.ephemeralStorageMb },
      SnapStart: { ApplyOn: s.snapStart, OptimizationStatus: s.snapStart === 'None' || isLatest ? 'Off' : 'On' },
      LoggingConfig: { LogFormat: s.logFormat, LogGroup: s.logGroup },
      ...s.createOnly,
    };
  }
}

/** A ZipFile as the request carried it: base64, or already decoded by the route (http/zip-file-field.ts). */
function zipBytes(value: unknown): Buffer | undefined {
  if (Buffer.isBuffer(value)) return value;
  return typeof value === 'string' ? Buffer.from(value, 'base64') : undefined;
}

function preconditionFailed(): LambdaServiceError {
  return new LambdaServiceError(
    'PreconditionFailedException',
    'The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id',
  );
}

function sameSettings(a: FunctionSettings, b: FunctionSettings): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function paginate<T>(items: T[], marker: string | undefined, maxItems: number | undefined): { items: T[]; next: Json } {
  const start = marker ? Number(Buffer.from(marker, 'base64').toString('utf8')) || 0 : 0;
  const size = Math.min(Math.max(maxItems ?? 50, 1), 10_000);
  const page = items.slice(start, start + size);
  const end = start + page.length;
  return { items: page, next: end < items.length ? { NextMarker: Buffer.from(String(end)).toString('base64') } : {} };
}
