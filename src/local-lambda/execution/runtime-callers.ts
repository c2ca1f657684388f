import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { endianness } from 'node:os';
import { processTree } from '../host/process-tree.js';

/**
 * Who may call an execution environment's Runtime API: only its own runtime. Any local process
 * can find the port (in /proc/net/tcp, or by trying), and whoever asks for the next event gets
 * the invocation and may answer it. A secret that the bundled clients present would leave out
 * OS-only runtimes (the package's own bootstrap speaks plain HTTP), so the service asks the
 * kernel instead: the peer of each connection is found in the socket tables by its ports, and it
 * is admitted only when a process of the environment's tree holds that socket (and, where the
 * environment runs as a user of its own, when that user made it).
 */
export interface CallerCheckStatus {
  readonly enabled: boolean;
  readonly statement: string;
}

/** One end of a TCP connection. */
export interface Endpoint {
  readonly address: string;
  readonly port: number;
}

/** A socket as the kernel lists it: the user that made it, and its inode (0 when nobody holds it). */
export interface KernelSocket {
  readonly uid: number;
  readonly inode: number;
}

/** The first process of an environment's runtime, and its user where the environment has its own. */
export interface RuntimeProcess {
  readonly pid: number;
  readonly uid?: number;
}

/** A connection's two ends, as node:net gives them on the accepted socket. */
export interface Connection {
  readonly localAddress?: string | undefined;
  readonly localPort?: number | undefined;
  readonly remoteAddress?: string | undefined;
  readonly remotePort?: number | undefined;
}

/**
 * An IPv4 address (or an IPv4-mapped IPv6 one) of /proc/net/tcp{,6}, dotted; undefined for any
 * other IPv6 address, which never reaches a Runtime API (they listen on 127.0.0.1). The kernel
 * prints each 32-bit word in the host's byte order.
 */
function decodeAddress(hex: string, littleEndian: boolean): string | undefined {
  if (!/^(?:[0-9A-Fa-f]{8}|[0-9A-Fa-f]{32})$/.test(hex)) return undefined;
  const bytes: number[] = [];
  for (let word = 0; word < hex.length; word += 8) {
    const inWord = [0, 2, 4, 6].map((at) => Number.parseInt(hex.slice(word + at, word + at + 2), 16));
    bytes.push(...(littleEndian ? inWord.reverse() : inWord));
  }
  if (bytes.length === 4) return bytes.join('.');
  const mapped = bytes.slice(0, 10).every((byte) => byte === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
  return mapped ? bytes.slice(12).join('.') : undefined;
}

function sameEnd(field: string | undefined, end: Endpoint, littleEndian: boolean): boolean {
  const [address, port] = (field ?? '').split(':');
  return (
    address !== undefined &&
    port !== undefined &&
    /^[0-9A-Fa-f]{4}$/.test(port) &&
    Number.parseInt(port, 16) === end.port &&
    decodeAddress(address, littleEndian) === end.address.replace(/^::ffff:/i, '')
  );
}

/**
 * The socket whose own end is `local` and whose peer is `remote`, in the text of /proc/net/tcp or
 * /proc/net/tcp6 (`sl local_address rem_address st queues timer retrnsmt uid timeout inode ...`).
 */
export function findSocket(
  table: string,
  local: Endpoint,
  remote: Endpoint,
  littleEndian = endianness() === 'LE',
): KernelSocket | undefined {
  for (const line of table.split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    if (!sameEnd(fields[1], local, littleEndian) || !sameEnd(fields[2], remote, littleEndian)) continue;
    const uid = Number(fields[7]);
    const inode = Number(fields[9]);
    if (Number.isInteger(uid) && Number.isInteger(inode)) return { uid, inode };
  }
  return undefined;
}

function kernelSocket(local: Endpoint, remote: Endpoint): KernelSocket | undefined {
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(table, 'latin1');
    } catch {
      continue;
    }
    const found = findSocket(text, local, remote);
    if (found) return found;
  }
  return undefined;
}

const denied = (error: unknown): boolean => ['EACCES', 'EPERM'].includes((error as NodeJS.ErrnoException).code ?? '');

/** Whether a process of the tree under `root` holds the socket; 'unreadable' when this process may not look. */
function heldInTree(inode: number, root: number): 'held' | 'absent' | 'unreadable' {
  const link = `socket:[${inode}]`;
  let unreadable = false;
  for (const pid of processTree(root)) {
    let descriptors: string[];
    try {
      descriptors = readdirSync(`/proc/${pid}/fd`);
    } catch (error) {
      unreadable ||= denied(error);
      continue;
    }
    for (const descriptor of descriptors) {
      try {
        if (readlinkSync(`/proc/${pid}/fd/${descriptor}`) === link) return 'held';
      } catch (error) {
        unreadable ||= denied(error);
      }
    }
  }
  return unreadable ? 'unreadable' : 'absent';
}

/** Why this host cannot tell who is at the other end of a loopback connection, or undefined. */
function kernelTablesUnavailable(): string | undefined {
  if (process.platform !== 'linux') return `this host runs ${process.platform}, not Linux, and has no /proc`;
  try {
    readFileSync('/proc/net/tcp');
    readdirSync('/proc/self/fd');
  } catch {
    return 'this process cannot read /proc/net/tcp and /proc/<pid>/fd';
  }
  if (!existsSync(`/proc/self/task/${process.pid}/children`))
    return "this kernel does not list a process's children in /proc";
  return undefined;
}

/** Decides, once per connection, whether its peer is the environment's own runtime. */
export class RuntimeCallerCheck {
  readonly status: CallerCheckStatus;

  /** `unavailable`: why the host cannot check (found out by default), for hosts without /proc. */
  constructor(unavailable: string | undefined = kernelTablesUnavailable()) {
    this.status = unavailable
      ? {
          enabled: false,
          statement: `Each environment's Runtime API does NOT check which process calls it (${unavailable}): a local process that finds its port can take that environment's invocations; only browser origins and foreign Host names are refused.`,
        }
      : {
          enabled: true,
          statement:
            "Each environment's Runtime API answers only its own runtime's processes (and user, where environments are isolated), by the kernel's socket tables; browser origins and foreign Host names are refused.",
        };
  }

  /** Whether the peer of `connection` is `runtime` or one of its descendants. */
  admits(connection: Connection, runtime: RuntimeProcess | undefined): boolean {
    if (!this.status.enabled) return true;
    const { localAddress, localPort, remoteAddress, remotePort } = connection;
    if (!runtime || !localAddress || !localPort || !remoteAddress || !remotePort) return false;
    // The peer's own end is the remote end seen from here.
    const peer = kernelSocket({ address: remoteAddress, port: remotePort }, { address: localAddress, port: localPort });
    if (!peer || peer.inode === 0) return false;
    if (runtime.uid !== undefined && peer.uid !== runtime.uid) return false;
    const held = heldInTree(peer.inode, runtime.pid);
    // A root service without CAP_SYS_PTRACE (a container's default) may not read another user's
    // descriptors; an isolated environment's user is its alone, so that user having made the
    // socket decides.
    return held === 'held' || (held === 'unreadable' && runtime.uid !== undefined);
  }
}
