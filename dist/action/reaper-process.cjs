// @ts-check
'use strict';
const { readFileSync, readdirSync, rmSync, rmdirSync, writeFileSync } = require('node:fs');
const { dirname, join } = require('node:path');
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGPIPE']) process.on(signal, () => undefined);
const environments = new Map();
const paths = new Set();
// The service's own cgroup directories: emptied of their environments' groups, then removed.
const groups = new Set();
// Claims (of user ids) are files holding the service's pid; one another service took over is not ours.
const claims = new Set();
const servicePid = String(process.ppid);
function processes() {
  const found = [];
  for (const name of readdirSync('/proc'))
    if (/^\d+$/.test(name) && Number(name) !== process.pid) found.push(Number(name));
  return found;
}
// Whether a process is one of the environments': by the user it runs as (where an environment has
// one of its own) or by the marker in its environment variables. /proc is read once per process.
function belongs(pid, markers, uids) {
  try {
    if (uids.size) {
      const uid = /^Uid:\s+(\d+)\s/m.exec(readFileSync('/proc/' + pid + '/status', 'utf8'));
      if (uid && uids.has(uid[1])) return true;
    }
    for (const entry of readFileSync('/proc/' + pid + '/environ', 'latin1').split('\0'))
      if (markers.has(entry)) return true;
  } catch {}
  return false;
}
function thaw(environment) {
  if (environment.thaw)
    try {
      writeFileSync(environment.thaw.file, environment.thaw.value);
    } catch {}
}
// Sweeps several environments at once, with one walk of /proc per round, not one per
// environment: a service that retires hundreds of environments, or dies with them, is swept in
// about the time of one.
function sweep(list) {
  if (list.length === 0) return;
  const markers = new Set(list.map((environment) => environment.marker));
  const uids = new Set(
    list.filter((environment) => environment.uid !== undefined).map((environment) => String(environment.uid)),
  );
  for (let round = 0; round < 20; round++) {
    const pids = new Set();
    for (const environment of list) {
      thaw(environment);
      try {
        process.kill(-environment.pgid, 'SIGKILL');
      } catch {}
      if (environment.cgroupProcs)
        try {
          for (const line of readFileSync(environment.cgroupProcs, 'utf8').split('\n'))
            if (line) pids.add(Number(line));
        } catch {}
    }
    for (const pid of processes()) if (belongs(pid, markers, uids)) pids.add(pid);
    if (pids.size === 0) break;
    for (const pid of pids)
      try {
        process.kill(pid, 'SIGKILL');
      } catch {}
  }
  for (const environment of list) {
    if (environment.cgroupProcs)
      try {
        rmdirSync(dirname(environment.cgroupProcs));
      } catch {}
    for (const group of environment.groups || [])
      try {
        rmdirSync(group);
      } catch {}
  }
}
// Every group of one of the service's hierarchies, its environments' first. An environment the
// service started but never told us of (its last lines lost with the service, say) still has a
// group here, and whatever runs in it is the environment's: thawed first (a frozen process takes
// SIGKILL only once thawed), then killed until the kernel lets the group go.
function subgroups(root) {
  const found = [];
  try {
    for (const entry of readdirSync(root, { withFileTypes: true }))
      if (entry.isDirectory()) found.push(join(root, entry.name));
  } catch {}
  found.push(root);
  return found;
}
function thawGroups(root) {
  for (const group of subgroups(root)) {
    try {
      writeFileSync(join(group, 'freezer.state'), 'THAWED');
    } catch {}
    try {
      writeFileSync(join(group, 'cgroup.freeze'), '0');
    } catch {}
  }
}
function killGroups(root) {
  for (const group of subgroups(root))
    try {
      for (const pid of readFileSync(join(group, 'cgroup.procs'), 'utf8').split('\n'))
        if (pid)
          try {
            process.kill(Number(pid), 'SIGKILL');
          } catch {}
    } catch {}
}
const pause = new Int32Array(new SharedArrayBuffer(4));
function removeGroup(root) {
  for (const group of subgroups(root)) {
    for (let round = 0; round < 100; round++) {
      try {
        rmdirSync(group);
        break;
      } catch (error) {
        if (/** @type {NodeJS.ErrnoException} */ (error).code === 'ENOENT') break;
      }
      let procs = [];
      try {
        procs = readFileSync(join(group, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean);
      } catch {}
      for (const pid of procs)
        try {
          process.kill(Number(pid), 'SIGKILL');
        } catch {}
      Atomics.wait(pause, 0, 0, 10);
    }
  }
}
let pending = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (text) => {
  pending += text;
  const retired = [];
  for (let at = pending.indexOf('\n'); at >= 0; at = pending.indexOf('\n')) {
    const line = pending.slice(0, at);
    pending = pending.slice(at + 1);
    const tab = line.indexOf('\t');
    const verb = line.slice(0, tab);
    const argument = line.slice(tab + 1);
    if (verb === 'track') {
      const environment = JSON.parse(argument);
      environments.set(environment.id, environment);
    } else if (verb === 'sweep') {
      const environment = environments.get(argument);
      environments.delete(argument);
      if (environment) retired.push(environment);
    } else if (verb === 'path') paths.add(argument);
    else if (verb === 'group') groups.add(argument);
    else if (verb === 'claim') claims.add(argument);
  }
  sweep(retired);
});
function ownsUid(uid) {
  for (const path of claims)
    if (path.endsWith('/' + uid))
      try {
        return readFileSync(path, 'utf8') === servicePid;
      } catch {
        return false;
      }
  return false;
}
function finish() {
  // What the kernel groups is found fastest: every environment's group is thawed and emptied
  // first, then what left its group (or never had one) is found by user and marker.
  for (const root of groups) thawGroups(root);
  for (const root of groups) killGroups(root);
  // A user id is this service's only while its claim says so: once the service is dead, another
  // service may take the id over and run its own runtimes as that user.
  sweep(
    [...environments.values()].map((environment) =>
      environment.uid === undefined || ownsUid(environment.uid) ? environment : { ...environment, uid: undefined },
    ),
  );
  for (const path of paths)
    try {
      rmSync(path, { recursive: true, force: true });
    } catch {}
  for (const root of groups) removeGroup(root);
  for (const path of claims)
    try {
      if (readFileSync(path, 'utf8') === servicePid) rmSync(path, { force: true });
    } catch {}
  process.exit(0);
}
process.stdin.on('end', finish);
process.stdin.on('error', finish);
