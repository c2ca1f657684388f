// execution/: execution environments, their pool, the Runtime API they speak, and the invocations.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { realpathSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Writable } from 'node:stream';
import type { Cgroups, EnvironmentCgroup } from '../host/cgroups.js';
import type { CpuQuota, CpuThrottle } from '../host/cpu-throttle.js';
import type { CpuPlacement } from '../host/cpu-placement.js';
import type { EnvironmentLimits, LimitsPolicy } from '../host/environment-limits.js';
import type { EnvironmentFreeze, Freezer } from '../host/freezer.js';
import { billedDuration, endLine, initStartLine, reportLine, startLine, type LogFormat } from '../logs/lines.js';
import { logStreamName, type LogStore } from '../logs/log-store.js';
import { modelDurationMs, type Activity } from '../host/model-clock.js';
import { processTreeMemory } from '../host/process-memory.js';
import { userMemory, type Identity, type Isolation } from '../host/isolation.js';
import type { Reaper } from '../host/reaper.js';
import { RuntimeApi, type OwnWaits, type RuntimeApiListener, type RuntimeEvent } from './runtime-api.js';
import type { RuntimeCallerCheck } from './runtime-callers.js';
import { PROFILE_VARIABLE, type ProfileStore } from './profile-store.js';
import { handOver, setUpVariables, systemProgram, VARIABLES_FD, variablesScript } from './runtime-launch.js';
import { FLUSH_MARKER, RuntimeStartError, type RuntimeClients, type RuntimeDescription } from '../runtimes/index.js';
import { waitsForFlushMarker } from '../runtimes/registry.js';
import {
  activityBetween,
  anyThreadRunnable,
  snapshotThreads,
  type ClockKind,
  type ThreadSnapshot,
} from '../host/thread-times.js';

const MIB = 1024 * 1024;
/** Lambda limits the INIT phase to 10 seconds. */
const INIT_LIMIT_MS = 10_000;
const MEMORY_POLL_MS = 10;
const TAIL_BYTES = 4096;
const MAX_LINE_CHARS = 256 * 1024;
/**
 * How long to wait for a runtime's flush marker after its result: a family declared 'marker' whose
 * client does not write it pays this on every invocation (FlushBehaviour, runtimes/registry.ts).
 */
const FLUSH_WAIT_MS = 1000;
/**
 * How long the model clock waits for every thread of an environment to sleep before it reads the
 * end of an invocation (a running thread's count lags by up to a scheduler tick).
 */
const SETTLE_LIMIT_MS = 20;
/**
 * Under the model clock a time limit (the function's timeout, INIT's 10 s) counts modelled time,
 * and wall time only as a backstop: this many times the limit.
 */
const WALL_LIMIT_FACTOR = 10;
/** How soon a limit not yet reached by modelled time is looked at again, at the least. */
const LIMIT_RECHECK_MS = 5;

export interface EnvironmentSpec {
  readonly functionName: string;
  readonly version: string;
  readonly functionArn: string;
  readonly memoryMb: number;
  readonly timeoutS: number;
  readonly handler: string;
  readonly runtime: RuntimeDescription;
  readonly codeDirectory: string;
  readonly variables: Readonly<Record<string, string>>;
  readonly region: string;
  readonly logGroup: string;
  readonly logFormat: LogFormat;
  readonly ephemeralStorageMb: number;
}

export interface EnvironmentServices {
  readonly clock: ClockKind;
  readonly clients: RuntimeClients;
  readonly cgroups: Cgroups;
  readonly throttle: CpuThrottle;
  /** The CPUs every environment is bound to. */
  readonly placement: CpuPlacement;
  readonly freezer: Freezer;
  readonly limits: LimitsPolicy;
  readonly logs: LogStore;
  /** Finds and kills what an environment leaves behind, also when the service dies. */
  readonly reaper?: Reaper;
  /** Runs each environment as a user of its own, where the host allows it. */
  readonly isolation?: Isolation;
  /** Tells the environment's own runtime from other callers of its Runtime API. */
  readonly callers: RuntimeCallerCheck;
  /** Where the runtime clients' CPU profiles go, when the service profiles. */
  readonly profiles?: ProfileStore;
}

export interface InvocationRequest {
  readonly requestId: string;
  readonly payload: Buffer;
  readonly invokedFunctionArn: string;
  readonly clientContext?: string;
  /** Fault injection: kill the environment right after the event is handed over. */
  readonly kill?: boolean;
}

export interface InvocationOutcome {
  readonly requestId: string;
  readonly status: 'success' | 'error' | 'timeout';
  /** The response payload, or Lambda's error document when `functionError` is set. */
  readonly body: Buffer;
  readonly functionError: boolean;
  readonly errorType?: string;
  readonly durationMs: number;
  readonly billedDurationMs: number;
  readonly initDurationMs?: number;
  readonly memorySizeMb: number;
  readonly maxMemoryUsedMb: number;
  /** START .. REPORT of this invocation, the last 4 KB, as `X-Amz-Log-Result` carries it. */
  readonly logTail: Buffer;
}

/** An invocation from the moment it is handed to an environment until it is answered. */
interface Invocation {
  readonly request: InvocationRequest;
  readonly resolve: (outcome: InvocationOutcome) => void;
  readonly lines: string[];
  deliveredAt?: number;
  /** The environment's threads as the event was handed over (model clock). */
  threadsAtStart?: ThreadSnapshot;
  timer?: NodeJS.Timeout;
  /** What the runtime posted; the invocation goes on until it asks for the next event. */
  result?: Answer;
  /** The invocation's Duration by the model clock, once it is known. */
  modelledMs?: number;
  /** Set by the one answer it gets; a second one (a kill, then its exit) does nothing. */
  answered?: boolean;
}

type Failure = { status: 'error' | 'timeout'; errorType: string; body: Buffer };
/** How an invocation is answered: with the runtime's response, or with a failure. */
type Answer = { failure: Failure } | { body: Buffer };

/**
 * Where an environment is in its life. It changes only through `moveTo`, which refuses a move
 * that MOVES does not list: a slip in the order of events shows where it happens, not as an
 * invocation answered twice or an environment handed out while it still works.
 */
export type EnvironmentState =
  /** INIT runs and nothing has been asked of the environment yet. */
  | { readonly name: 'booting' }
  /** Warm and frozen, waiting for an invocation. The only state in which the pool hands it out. */
  | { readonly name: 'idle' }
  /** An invocation was handed over; on a cold start it waits for INIT to end. */
  | { readonly name: 'running'; readonly invocation: Invocation }
  /** The invocation has its answer; its last output may still be in the pipe. */
  | { readonly name: 'finishing'; readonly invocation: Invocation }
  /** Killed; its exit, which answers an invocation it was running, is yet to be seen. */
  | { readonly name: 'dying'; readonly cause: 'killed' | 'out-of-memory'; readonly waiting?: Invocation }
  /** Its processes are gone and what it held is freed. */
  | { readonly name: 'dead' };

export type EnvironmentStateName = EnvironmentState['name'];

/** The moves an environment may make, from each state. */
export const MOVES: Readonly<Record<EnvironmentStateName, readonly EnvironmentStateName[]>> = {
  booting: ['idle', 'running', 'dying', 'dead'],
  idle: ['running', 'dying', 'dead'],
  running: ['finishing', 'dying', 'dead'],
  finishing: ['idle', 'dying', 'dead'],
  dying: ['dead'],
  dead: [],
};

/** Throws unless MOVES lets an environment go from `from` to `to`. */
export function checkMove(id: string, from: EnvironmentStateName, to: EnvironmentStateName): void {
  if (!MOVES[from].includes(to)) throw new Error(`environment ${id} cannot go from ${from} to ${to}`);
}

/** INIT: running, or over (with its duration, and its failure when it failed). */
type Init =
  | { readonly phase: 'running' }
  | {
      readonly phase: 'over';
      readonly durationMs: number;
      readonly failure?: Failure;
      /** Whether a REPORT line has carried the Init Duration yet (the first answered invocation's). */
      readonly reported: boolean;
    };

const now = (): number => performance.now();

/** A failure the service itself reports, with Lambda's error document as its body. */
function failureOf(errorType: string, errorMessage: string, status: Failure['status'] = 'error'): Failure {
  return { status, errorType, body: Buffer.from(JSON.stringify({ errorType, errorMessage })) };
}

/**
 * One execution environment: a child process running a runtime client against its own Runtime
 * API. It serves one invocation at a time, stays warm between them, and is thrown away after a
 * timeout, a crash, running out of memory or an init error, as Lambda does.
 */
export class ExecutionEnvironment {
  readonly id = randomBytes(16).toString('hex');
  readonly logStream: string;
  private state: EnvironmentState = { name: 'booting' };
  private init: Init = { phase: 'running' };
  /** The invocation answered last while its output may still be coming through the pipe. */
  private draining: Invocation | undefined;
  private child: ChildProcess | undefined;
  private api: RuntimeApi | undefined;
  private cgroup: EnvironmentCgroup | undefined;
  private cpuQuota: CpuQuota | undefined;
  private freeze: EnvironmentFreeze | undefined;
  private limits: EnvironmentLimits | undefined;
  private readonly spawnedAt = now();
  /** The lasting CPU speed factor of this environment (1 without an environment spread). */
  readonly speedFactor: number;
  private memoryPeak = 0;
  private memorySamples = 0;
  private identity: Identity | undefined;
  private memoryTimer: NodeJS.Timeout | undefined;
  private initTimer: NodeJS.Timeout | undefined;
  private readonly exited: Promise<void>;
  private markExited: () => void = () => undefined;
  private partialLine = '';
  private lastFlushed: string | undefined;
  private flushWaiter: { requestId: string; resume: () => void } | undefined;

  private constructor(
    readonly spec: EnvironmentSpec,
    private readonly services: EnvironmentServices,
  ) {
    this.logStream = logStreamName(spec.version, this.id, new Date());
    this.speedFactor = services.throttle.drawSpeedFactor();
    this.exited = new Promise((resolve) => (this.markExited = resolve));
  }

  /** Starts the runtime process; INIT runs in the background until the runtime first asks for work. */
  static async start(spec: EnvironmentSpec, services: EnvironmentServices): Promise<ExecutionEnvironment> {
    const environment = new ExecutionEnvironment(spec, services);
    try {
      await environment.boot();
    } catch (error) {
      // A runtime that could not be started (spawn threw, say) must not keep its Runtime API
      // listening, nor its groups and /tmp: the service could not stop, nor the host reclaim them.
      environment.kill();
      throw error;
    }
    return environment;
  }

  get alive(): boolean {
    return this.state.name !== 'dying' && this.state.name !== 'dead';
  }

  /** Warm, with nothing in flight: the pool may hand it out. */
  get idle(): boolean {
    return this.state.name === 'idle';
  }

  /** It has an invocation in flight: running, finishing, or killed and not yet answered. */
  get busy(): boolean {
    const state = this.state;
    return state.name === 'running' || state.name === 'finishing' || (state.name === 'dying' && !!state.waiting);
  }

  /**
   * An environment takes an invocation while it boots (a cold start) or idles. One that died
   * answers it at once: with its INIT failure, or as a runtime that exited.
   */
  invoke(request: InvocationRequest): Promise<InvocationOutcome> {
    const from = this.state.name;
    if (from === 'running' || from === 'finishing') throw new Error(`environment ${this.id} is busy (${from})`);
    return new Promise((resolve) => {
      const invocation: Invocation = { request, resolve, lines: [] };
      if (this.state.name === 'dying' || this.state.name === 'dead') {
        const exited = `RequestId: ${request.requestId} Error: Runtime exited before the invocation`;
        this.answer(invocation, { failure: this.initFailure() ?? failureOf('Runtime.ExitError', exited) });
        return;
      }
      this.moveTo({ name: 'running', invocation });
      this.startMemoryWatch();
      // Thawed with a full CPU quota, as a Lambda environment starts each invocation.
      this.freeze?.thaw();
      if (this.init.phase === 'over') this.cpuQuota?.refill();
      const event: RuntimeEvent = {
        requestId: request.requestId,
        payload: request.payload,
        deadlineMs: Date.now() + this.spec.timeoutS * 1000,
        invokedFunctionArn: request.invokedFunctionArn,
        ...(request.clientContext ? { clientContext: request.clientContext } : {}),
      };
      try {
        this.api?.deliver(event);
      } catch (error) {
        // The event could not be handed over; the environment is in an unknown state, so it goes.
        this.answer(invocation, {
          failure: failureOf('Runtime.ExitError', `RequestId: ${request.requestId} Error: ${String(error)}`),
        });
        this.kill();
      }
    });
  }

  /** Stops the process and frees everything the environment holds; safe to call twice. */
  async retire(): Promise<void> {
    this.kill();
    await this.exited;
  }

  private moveTo(next: EnvironmentState): void {
    checkMove(this.id, this.state.name, next.name);
    this.state = next;
  }

  /** The invocation this environment is running (or was, when it was killed) and has not answered. */
  private get unanswered(): Invocation | undefined {
    const state = this.state;
    const invocation = state.name === 'running' ? state.invocation : state.name === 'dying' ? state.waiting : undefined;
    return invocation?.answered ? undefined : invocation;
  }

  private initFailure(): Failure | undefined {
    return this.init.phase === 'over' ? this.init.failure : undefined;
  }

  private async boot(): Promise<void> {
    const { spec, services } = this;
    this.appendLog(initStartLine(spec.logFormat, spec.runtime.version, spec.region, new Date()));
    const { api, address } = await RuntimeApi.start(services.callers, this.runtimeApiListener());
    this.api = api;
    let command: [string, string[]];
    try {
      command = services.clients.command(spec.runtime, spec.codeDirectory);
    } catch (error) {
      if (!(error instanceof RuntimeStartError)) throw error;
      this.init = {
        phase: 'over',
        durationMs: now() - this.spawnedAt,
        failure: failureOf(error.errorType, error.message),
        reported: false,
      };
      // Nothing runs: this environment answers its one invocation with the error and is discarded.
      this.moveTo({ name: 'dead' });
      this.shutDown();
      this.markExited();
      return;
    }
    this.cgroup = services.cgroups.createGroup();
    if (services.clock === 'wall')
      this.cpuQuota = services.throttle.attach(this.cgroup, spec.memoryMb, this.speedFactor);
    this.limits = services.limits.forEnvironment(this.cgroup, spec.ephemeralStorageMb, [
      spec.codeDirectory,
      services.clients.directory,
    ]);
    this.identity = services.isolation?.identityFor(spec.codeDirectory);
    const runtime = this.asEnvironmentUser(command);
    // Enrolled in its groups and limited before the runtime starts, so INIT is inside them too.
    // Bound to its CPUs after it joins its groups (joining a cpuset group would reset the binding).
    const [file, args] = this.limits.wrap(services.placement.wrap(runtime), this.cgroup?.procsFiles ?? []);
    const marker = ['AWS_LAMBDA_LOG_STREAM_NAME', this.logStream] as const;
    const child = spawn(file, args, {
      cwd: '/',
      env: setUpVariables(marker),
      // fd 3 is the runtime's lifeline: it reads end-of-file there when the service is gone.
      // fd 4 carries the runtime's variables to the last step, which runs as the environment's user.
      stdio: ['ignore', 'pipe', 'pipe', 'pipe', 'pipe'],
      detached: true,
    });
    // At once: a spawn that fails late (EMFILE, EAGAIN) emits 'error' on the next turn, and with no
    // handler by then the service would die. Such a child has no pid and no stdio.
    child.on('error', (error) => this.onExit(`error: ${error.message}`));
    child.on('exit', (code, signal) =>
      this.onExit(signal ? `signal: ${signal === 'SIGKILL' ? 'killed' : signal}` : `exit status ${code}`),
    );
    if (child.pid) api.answerOnly({ pid: child.pid, ...(this.identity ? { uid: this.identity.uid } : {}) });
    const variables = child.stdio?.[VARIABLES_FD] as Writable | null | undefined;
    variables?.on('error', () => undefined);
    variables?.end(variablesScript({ ...this.processEnvironment(address), ...this.limits.variables }));
    this.child = child;
    this.freeze = services.freezer.attach(this.cgroup, child.pid);
    if (child.pid) this.trackByReaper(child.pid, marker.join('='));
    child.stdout?.setEncoding('utf8').on('data', (text: string) => this.onOutput(text));
    child.stderr?.setEncoding('utf8').on('data', (text: string) => this.onOutput(text));
    this.startMemoryWatch();
    this.armLimit(
      INIT_LIMIT_MS,
      this.spawnedAt,
      undefined,
      true,
      (timer) => (this.initTimer = timer),
      () => this.onInitTimeout(),
    );
  }

  /** What the environment does when its runtime speaks to the Runtime API. */
  private runtimeApiListener(): RuntimeApiListener {
    const { spec, services } = this;
    return {
      nextRequested: (at, waited) => this.onNextRequested(at, waited),
      delivering: () => this.onDelivering(),
      delivered: (event, handedAt) => this.onDelivered(event, handedAt),
      idle: () => this.freeze?.freeze(),
      response: (requestId, body) => this.onResult(requestId, { body }),
      ...(services.profiles
        ? {
            profile: (requestId: string, body: Buffer) =>
              services.profiles!.add(spec.functionName, spec.version, { requestId, body }),
          }
        : {}),
      responseTooLarge: (requestId) =>
        this.onResult(requestId, {
          failure: failureOf(
            'Function.ResponseSizeTooLarge',
            'Response payload size exceeded maximum allowed payload size (6291456 bytes).',
          ),
        }),
      error: (requestId, body, errorType) =>
        this.onResult(requestId, { failure: { status: 'error', errorType: errorType ?? typeFromBody(body), body } }),
      initError: (body, errorType) => this.onInitError(body, errorType ?? typeFromBody(body)),
    };
  }

  /**
   * The runtime's command, run as the environment's own user where it has one: the set-up (groups,
   * mounts) runs as the service's user, in a clean environment and outside the code directory;
   * dropping to the environment's user comes before anything of the function's (its variables, its
   * directory), so INIT and everything after run as that user.
   */
  private asEnvironmentUser(command: [string, string[]]): [string, string[]] {
    const handover = handOver(
      this.identity ? [runnableByOthers(command[0]), command[1]] : command,
      this.spec.codeDirectory,
    );
    if (!this.identity) return handover;
    return [
      systemProgram('setpriv'),
      [`--reuid=${this.identity.uid}`, `--regid=${this.identity.gid}`, '--clear-groups', handover[0], ...handover[1]],
    ];
  }

  /** Tells the reaper how to find what this environment runs, should the service die before it. */
  private trackByReaper(pgid: number, marker: string): void {
    const procsFile = this.cgroup?.procsFiles[0];
    const thaw = this.services.freezer.thawOf(this.cgroup);
    this.services.reaper?.track({
      id: this.id,
      pgid,
      marker,
      ...(procsFile ? { cgroupProcs: procsFile } : {}),
      ...(this.cgroup ? { groups: this.cgroup.paths } : {}),
      ...(this.identity ? { uid: this.identity.uid } : {}),
      ...(thaw ? { thaw } : {}),
    });
  }

  private onInitTimeout(): void {
    const message = `INIT phase timed out after ${(INIT_LIMIT_MS / 1000).toFixed(2)} seconds`;
    this.initFailed(failureOf('Sandbox.Timedout', message, 'timeout'), INIT_LIMIT_MS);
  }

  private onInitError(body: Buffer, errorType: string): void {
    this.initFailed(
      { status: 'error', errorType, body },
      this.init.phase === 'over' ? this.init.durationMs : now() - this.spawnedAt,
    );
  }

  /** INIT failed: the invocation waiting for it is answered with the failure, and the environment goes. */
  private initFailed(failure: Failure, durationMs: number): void {
    clearTimeout(this.initTimer);
    this.init = { phase: 'over', durationMs, failure, reported: this.init.phase === 'over' && this.init.reported };
    if (this.state.name === 'running') this.answer(this.state.invocation, { failure });
    this.kill();
  }

  /** INIT is over: a booting environment that nothing has been asked of yet idles. */
  private initOver(durationMs: number): void {
    if (this.init.phase !== 'running') return;
    this.init = { phase: 'over', durationMs, reported: false };
    if (this.state.name === 'booting') this.moveTo({ name: 'idle' });
  }

  private processEnvironment(runtimeApi: string): NodeJS.ProcessEnv {
    const { spec } = this;
    // The profiling variable is the service's to set: a function's own is dropped.
    const variables = Object.fromEntries(Object.entries(spec.variables).filter(([key]) => key !== PROFILE_VARIABLE));
    const profiles = this.services.profiles;
    return {
      PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
      LANG: 'en_US.UTF-8',
      TZ: ':UTC',
      ...variables,
      ...(profiles ? { [PROFILE_VARIABLE]: String(profiles.intervalUs) } : {}),
      _HANDLER: spec.handler,
      AWS_REGION: spec.region,
      AWS_DEFAULT_REGION: spec.region,
      AWS_EXECUTION_ENV: spec.runtime.executionEnv,
      AWS_LAMBDA_FUNCTION_NAME: spec.functionName,
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(spec.memoryMb),
      AWS_LAMBDA_FUNCTION_VERSION: spec.version,
      AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
      AWS_LAMBDA_LOG_GROUP_NAME: spec.logGroup,
      AWS_LAMBDA_LOG_STREAM_NAME: this.logStream,
      AWS_LAMBDA_RUNTIME_API: runtimeApi,
      LAMBDA_TASK_ROOT: spec.codeDirectory,
      LAMBDA_RUNTIME_DIR: spec.codeDirectory,
      // Placeholders: the local service has no IAM, and real credentials must never reach user code.
      AWS_ACCESS_KEY_ID: 'LOCALLAMBDAEXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'local-lambda-has-no-credentials',
      AWS_SESSION_TOKEN: 'local-lambda',
    };
  }

  /**
   * INIT, or the invocation in flight, ends when the runtime asks for the next event. The model
   * clock reads the environment's threads once they all sleep; no event is handed over before.
   */
  private onNextRequested(at: number, waited: OwnWaits | undefined): Promise<void> | void {
    const initEnds = this.init.phase === 'running';
    if (initEnds) clearTimeout(this.initTimer);
    const running = this.state.name === 'running' ? this.state.invocation : undefined;
    const result = running?.result;
    if (this.services.clock === 'wall' || !this.child?.pid) {
      if (initEnds) {
        this.initOver(at - this.spawnedAt);
        this.cpuQuota?.refill();
      } else if (running && result) this.end(running, result, at);
      return;
    }
    if (!initEnds && !(running && result)) return;
    const pid = this.child.pid;
    return this.settledThreads(pid).then((threads) => {
      const wallNs = (at - (initEnds ? this.spawnedAt : (running?.deliveredAt ?? at))) * 1e6;
      const activity = activityBetween(initEnds ? new Map() : (running?.threadsAtStart ?? new Map()), threads, pid, {
        ...(waited === undefined ? {} : { reportedNs: Math.min(waited.ns, wallNs), sleeps: waited.sleeps }),
        wallNs,
      });
      if (initEnds) this.initOver(this.modelled(activity, true));
      else if (running && result) this.end(running, result, at, this.modelled(activity, false));
    });
  }

  private modelled(activity: Activity, init: boolean): number {
    return modelDurationMs(activity, { memoryMb: this.spec.memoryMb, speedFactor: this.speedFactor, boosted: init });
  }

  /**
   * The invocation's result stands, unless the model clock says that Lambda would have run out of
   * time before it: then it is a timeout, as Lambda would report it, and the environment goes.
   */
  private end(running: Invocation, result: Answer, at: number, modelledMs?: number): void {
    if (this.state.name !== 'running' || this.state.invocation !== running) return;
    if (modelledMs !== undefined && modelledMs > this.spec.timeoutS * 1000) {
      this.onTimeout();
      return;
    }
    if (modelledMs !== undefined) running.modelledMs = modelledMs;
    this.answer(running, result, true, at);
  }

  /** The environment's threads once none is on a CPU or waiting for one, or after SETTLE_LIMIT_MS. */
  private async settledThreads(pid: number): Promise<ThreadSnapshot> {
    const deadline = now() + SETTLE_LIMIT_MS;
    while (anyThreadRunnable(pid) && now() < deadline) await new Promise((resume) => setTimeout(resume, 1));
    return snapshotThreads(pid);
  }

  private onDelivering(): void {
    const pid = this.child?.pid;
    const running = this.unanswered;
    if (this.services.clock === 'model' && running && pid) running.threadsAtStart = snapshotThreads(pid);
  }

  private onDelivered(event: RuntimeEvent, handedAt: number): void {
    const running = this.unanswered;
    if (running?.request.requestId !== event.requestId) return;
    running.deliveredAt = handedAt;
    this.appendLog(startLine(this.spec.logFormat, event.requestId, this.spec.version, new Date()), running);
    this.armLimit(
      this.spec.timeoutS * 1000,
      handedAt,
      running.threadsAtStart,
      false,
      (timer) => (running.timer = timer),
      () => this.onTimeout(),
    );
    if (running.request.kill) this.kill();
  }

  /**
   * Calls `expire` once `limitMs` has run out since `startedAt`: wall time under the wall clock;
   * under the model clock, modelled time, as Lambda counts it. Time the environment spent waiting
   * for a CPU that others held (other environments share its CPU, and the host's load) is not its
   * own, and must not make it time out. So when the wall clock reaches the limit, what the
   * environment did so far is modelled (its waits as the service saw them), and the limit is
   * looked at again once the modelled time could have reached it; after WALL_LIMIT_FACTOR times
   * the limit of wall time it expires regardless. `store` keeps the pending timer, to be cleared.
   */
  private armLimit(
    limitMs: number,
    startedAt: number,
    threadsAtStart: ThreadSnapshot | undefined,
    init: boolean,
    store: (timer: NodeJS.Timeout) => void,
    expire: () => void,
  ): void {
    const backstopMs = limitMs * WALL_LIMIT_FACTOR;
    const check = (): void => {
      const pid = this.child?.pid;
      const wallMs = now() - startedAt;
      if (this.services.clock === 'model' && pid && wallMs < backstopMs) {
        const threads = snapshotThreads(pid);
        const activity = activityBetween(threadsAtStart ?? new Map(), threads, pid, { wallNs: wallMs * 1e6 });
        const leftMs = limitMs - this.modelled(activity, init);
        if (leftMs > 0) {
          store(setTimeout(check, Math.min(Math.max(leftMs, LIMIT_RECHECK_MS), backstopMs - wallMs)));
          return;
        }
      }
      expire();
    };
    store(setTimeout(check, limitMs));
  }

  private onResult(requestId: string, result: Answer): void {
    const running = this.unanswered;
    if (running?.request.requestId !== requestId || running.result) return;
    running.result = result;
  }

  /**
   * The invocation ran out of time. One whose environment was killed and whose exit is late still
   * gets its answer now: an exit that never comes must not leave its caller waiting.
   */
  private onTimeout(): void {
    const running = this.unanswered;
    if (!running) return;
    const seconds = this.spec.timeoutS.toFixed(2);
    this.appendLog(
      `${new Date().toISOString()} ${running.request.requestId} Task timed out after ${seconds} seconds`,
      running,
    );
    this.answer(running, {
      failure: failureOf(
        'Sandbox.Timedout',
        `RequestId: ${running.request.requestId} Error: Task timed out after ${seconds} seconds`,
        'timeout',
      ),
    });
    this.kill();
  }

  /** The runtime's process is gone, killed or by itself: the invocation it had is answered now. */
  private onExit(reason: string): void {
    const state = this.state;
    // 'error' and 'exit' may both come for one child.
    if (state.name === 'dead') return;
    const waiting = this.unanswered;
    const outOfMemory = state.name === 'dying' && state.cause === 'out-of-memory';
    this.moveTo({ name: 'dead' });
    this.shutDown();
    // Children that left the process group (setsid) die with the environment.
    this.services.reaper?.sweep(this.id);
    // A runtime that ends after its response (work left behind that exits) still answered.
    if (waiting?.result && !outOfMemory) this.answer(waiting, waiting.result);
    else if (waiting) {
      const errorType = outOfMemory ? 'Runtime.OutOfMemory' : 'Runtime.ExitError';
      const message = `RequestId: ${waiting.request.requestId} Error: Runtime exited with error: ${reason}`;
      this.answer(waiting, { failure: failureOf(errorType, message) });
    }
    this.release();
    this.markExited();
  }

  /** Frees what outlives the processes: the control groups and the environment's /tmp. */
  private release(): void {
    this.cgroup?.remove();
    this.limits?.remove();
  }

  private onOutput(text: string): void {
    const combined = this.partialLine + text;
    const lines = combined.split('\n');
    this.partialLine = lines.pop() ?? '';
    if (this.partialLine.length > MAX_LINE_CHARS) {
      lines.push(this.partialLine);
      this.partialLine = '';
    }
    const current = this.unanswered;
    const running = current?.deliveredAt === undefined ? this.draining : current;
    for (const line of lines) {
      if (line.startsWith(FLUSH_MARKER)) {
        this.onFlushed(line.slice(FLUSH_MARKER.length));
        continue;
      }
      // The Node.js runtime writes a multi-line message as one line with \r, as Lambda's does.
      this.appendLog(line.replaceAll('\r', '\n'), running);
    }
  }

  private onFlushed(requestId: string): void {
    this.lastFlushed = requestId;
    if (this.flushWaiter?.requestId === requestId) this.flushWaiter.resume();
  }

  /**
   * Runs `then` once the invocation's output has come through: at once when the bundled
   * runtime's flush marker is already in, when it arrives, or after one event-loop turn for
   * runtimes that write no marker (OS-only ones, or a runtime that died).
   */
  private afterOutput(requestId: string, expectMarker: boolean, then: () => void): void {
    if (this.lastFlushed === requestId) {
      then();
      return;
    }
    if (!expectMarker) {
      setImmediate(then);
      return;
    }
    const timer = setTimeout(() => resume(), FLUSH_WAIT_MS);
    const resume = (): void => {
      clearTimeout(timer);
      this.flushWaiter = undefined;
      then();
    };
    this.flushWaiter = { requestId, resume };
  }

  private appendLog(line: string, running?: Invocation): void {
    this.services.logs.append(this.spec.logGroup, this.logStream, line);
    if (running) {
      running.lines.push(line);
      if (running.lines.length > 64) running.lines.splice(0, running.lines.length - 64);
    }
  }

  private startMemoryWatch(): void {
    if (this.memoryTimer || !this.child?.pid) return;
    this.memoryTimer = setInterval(() => this.sampleMemory(), MEMORY_POLL_MS);
    this.memoryTimer.unref();
  }

  /** Samples the process tree; an environment over its memory size is killed, as on Lambda. */
  private sampleMemory(): number {
    if (!this.alive) return this.memoryPeak;
    const pid = this.child?.pid;
    if (pid) this.memoryPeak = Math.max(this.memoryPeak, processTreeMemory(pid));
    // Every tenth sample (a /proc scan costs more): all the user's processes, so that a
    // double-forked grandchild, which has left the tree, counts too.
    if (this.identity && this.memorySamples++ % 10 === 0)
      this.memoryPeak = Math.max(this.memoryPeak, userMemory(this.identity.uid));
    if (this.memoryPeak > this.spec.memoryMb * MIB) this.kill('out-of-memory');
    return this.memoryPeak;
  }

  /**
   * Answers an invocation: its START (if it never got one), END and REPORT lines, once its output
   * has come through. `fromRuntime`: the runtime posted the answer, and may write a flush marker.
   * A running environment finishes, and idles once the answer is out.
   */
  private answer(running: Invocation, answer: Answer, fromRuntime = false, endedAt = now()): void {
    if (running.answered) return;
    running.answered = true;
    clearTimeout(running.timer);
    if (this.state.name === 'running' && this.state.invocation === running)
      this.moveTo({ name: 'finishing', invocation: running });
    const peak = this.sampleMemory();
    this.stopMemoryWatch();
    let failure = 'failure' in answer ? answer.failure : undefined;
    const body = 'body' in answer ? answer.body : undefined;
    if (!failure && this.state.name === 'dying' && this.state.cause === 'out-of-memory') {
      failure = failureOf(
        'Runtime.OutOfMemory',
        `RequestId: ${running.request.requestId} Error: Runtime exited with error: signal: killed`,
      );
    }
    this.draining = running;
    this.afterOutput(running.request.requestId, fromRuntime && waitsForFlushMarker(this.spec.runtime.flush), () => {
      if (this.draining === running) this.draining = undefined;
      if (this.state.name === 'finishing' && this.state.invocation === running) this.moveTo({ name: 'idle' });
      const measured = running.modelledMs ?? (running.deliveredAt === undefined ? 0 : endedAt - running.deliveredAt);
      // A timer may fire a fraction of a millisecond early; Lambda reports a timeout as the full
      // timeout. Under the model clock the limit was on modelled time, whatever the wall clock read.
      const limitMs = this.spec.timeoutS * 1000;
      const durationMs =
        failure?.status === 'timeout' && running.deliveredAt !== undefined
          ? this.services.clock === 'model'
            ? limitMs
            : Math.max(measured, limitMs)
          : measured;
      const init = this.init;
      const initDurationMs = init.phase === 'over' && !init.reported ? init.durationMs : undefined;
      if (init.phase === 'over') this.init = { ...init, reported: true };
      const { requestId } = running.request;
      const format = this.spec.logFormat;
      if (running.deliveredAt === undefined)
        this.appendLog(startLine(format, requestId, this.spec.version, new Date()), running);
      this.appendLog(endLine(format, requestId, new Date()), running);
      this.appendLog(
        reportLine(
          format,
          {
            requestId,
            durationMs,
            billedDurationMs: billedDuration(durationMs, initDurationMs),
            memorySizeMb: this.spec.memoryMb,
            maxMemoryUsedMb: Math.ceil(peak / MIB),
            ...(initDurationMs === undefined ? {} : { initDurationMs }),
            status: failure?.status ?? 'success',
            ...(failure ? { errorType: failure.errorType } : {}),
          },
          new Date(),
        ),
        running,
      );
      const text = Buffer.from(`${running.lines.join('\n')}\n`);
      running.resolve({
        requestId,
        status: failure?.status ?? 'success',
        body: failure ? failure.body : (body ?? Buffer.alloc(0)),
        functionError: failure !== undefined,
        ...(failure ? { errorType: failure.errorType } : {}),
        durationMs,
        billedDurationMs: billedDuration(durationMs, initDurationMs),
        ...(initDurationMs === undefined ? {} : { initDurationMs }),
        memorySizeMb: this.spec.memoryMb,
        maxMemoryUsedMb: Math.ceil(peak / MIB),
        logTail: text.subarray(Math.max(0, text.length - TAIL_BYTES)),
      });
    });
  }

  private stopMemoryWatch(): void {
    clearInterval(this.memoryTimer);
    this.memoryTimer = undefined;
  }

  /** Kills the environment's processes; the exit handler answers what it was running. */
  private kill(cause: 'killed' | 'out-of-memory' = 'killed'): void {
    const state = this.state;
    if (state.name === 'dying' || state.name === 'dead') return;
    const child = this.child;
    let killed = false;
    // The signal goes before the Runtime API and the lifeline close: a runtime that saw them
    // close first could exit on its own (status 128 for the rejected call, 1 for the lifeline)
    // while this process waits for a CPU on a busy host, and the invocation would not read as killed.
    if (child?.pid && child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(-child.pid, 'SIGKILL');
        killed = true;
      } catch {
        // The group is already gone.
      }
    }
    // With no process at all (its start threw) no exit will come: the environment is dead now.
    if (child)
      this.moveTo({ name: 'dying', cause, ...(state.name === 'running' ? { waiting: state.invocation } : {}) });
    else this.moveTo({ name: 'dead' });
    this.shutDown();
    if (killed) {
      // A frozen process takes its SIGKILL once thawed.
      this.freeze?.thaw();
      return; // the exit handler answers the invocation and frees the rest
    }
    this.release();
    this.markExited();
  }

  private shutDown(): void {
    clearTimeout(this.initTimer);
    this.stopMemoryWatch();
    this.api?.close();
    this.child?.stdio?.[3]?.destroy();
  }
}

function typeFromBody(body: Buffer): string {
  try {
    const parsed = JSON.parse(body.toString('utf8')) as { errorType?: unknown };
    return typeof parsed.errorType === 'string' ? parsed.errorType : 'Unhandled';
  } catch {
    return 'Unhandled';
  }
}

/**
 * The first `program` on PATH that a user of no group of ours may run: every directory on its way
 * and the file itself executable by others. setpriv stops at the first one it finds, and a
 * runtime installed under /root (a pyenv shim, say) is not runnable by an environment's user.
 */
function runnableByOthers(program: string): string {
  if (program.includes('/')) return program;
  const openToOthers = (path: string): boolean => {
    try {
      let current = realpathSync(path);
      if ((statSync(current).mode & 0o001) === 0) return false;
      while (current !== dirname(current)) {
        current = dirname(current);
        if ((statSync(current).mode & 0o001) === 0) return false;
      }
      return true;
    } catch {
      return false;
    }
  };
  for (const directory of (process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin').split(':')) {
    if (directory && openToOthers(join(directory, program))) return join(directory, program);
  }
  return program;
}
