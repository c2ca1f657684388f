# The Python runtime client, standard library only; the service copies it to a file at start.
# Handler `module.function` (or `dir/module.function`), errors shaped as AWS's Python runtime
# shapes them.
import http.client
import importlib
import json
import os
import resource
import sys
import threading
import time
import traceback

def watch_service():
    # The service keeps fd 3 open while it lives; end-of-file there means it is gone, and a
    # runtime without its service exits.
    try:
        while os.read(3, 4096):
            pass
    except OSError:
        pass
    os._exit(1)


try:
    os.fstat(3)
    threading.Thread(target=watch_service, daemon=True).start()
except OSError:
    pass

host, port = os.environ["AWS_LAMBDA_RUNTIME_API"].split(":")
connection = http.client.HTTPConnection(host, int(port))


# The service's model clock needs to know how long this thread waited for its own reasons
# (timers, I/O): wall time less the thread's CPU and run-queue time, both from the kernel, over
# the stretches between Runtime API calls (waits for the service are its own, not the
# function's). Sent with each request for the next event (header in runtime-api.ts). A stretch
# in which the thread never went to sleep (no voluntary context switch) waited for nothing: what
# its wall time has beyond CPU and run queue is time the hypervisor took the CPU away (steal),
# which the kernel counts as neither, and which Lambda would not bill.
waited_ns = 0
sleeps = 0
stretch = None
schedstat_fd = None


def read_schedstat():
    # Kept open and read from the start each time: a fresh open costs ten times as much, and
    # this CPU counts against the environment's quota. Reopened when the function closed it.
    global schedstat_fd
    for _ in range(2):
        try:
            if schedstat_fd is None:
                schedstat_fd = os.open("/proc/thread-self/schedstat", os.O_RDONLY)
            return os.pread(schedstat_fd, 256, 0)
        except OSError:
            schedstat_fd = None
    return None


def thread_times():
    # thread_time_ns brings the kernel's count of this thread's CPU time up to now; schedstat
    # alone lags by up to a scheduler tick while the thread runs.
    time.thread_time_ns()
    stat = read_schedstat()
    if stat is None:
        return None
    try:
        cpu, delay = stat.split()[:2]
        switches = resource.getrusage(resource.RUSAGE_THREAD).ru_nvcsw
        return time.monotonic_ns(), int(cpu), int(delay), switches
    except (AttributeError, OSError, ValueError):
        return None


def own_time_begins():
    global stretch
    stretch = thread_times()


def own_time_ends():
    global stretch, waited_ns, sleeps
    begun, stretch = stretch, None
    if begun is None:
        return
    now = thread_times()
    if now is None or now[3] == begun[3]:
        return
    waited = now[0] - begun[0] - (now[1] - begun[1]) - (now[2] - begun[2])
    if waited > 0:
        waited_ns += waited
        sleeps += now[3] - begun[3]


own_time_begins()


def call(method, path, body=None, headers=None):
    global waited_ns, sleeps
    own_time_ends()
    headers = dict(headers or {})
    if path == "/invocation/next":
        headers["Lambda-Runtime-Local-Waited-Ns"] = str(waited_ns)
        headers["Lambda-Runtime-Local-Sleeps"] = str(sleeps)
        waited_ns = 0
        sleeps = 0
    connection.request(method, "/2018-06-01/runtime" + path, body=body, headers=headers)
    response = connection.getresponse()
    body = response.read()
    own_time_begins()
    return response, body


# When the service profiles (LAMBDA_RUNTIME_LOCAL_PROFILE_US), an invocation whose client
# context says {"custom": {"lambda-perf-gate-profile": "start"}} starts a profiling session
# instead of calling the handler, and one that says "stop" ends it and posts the profile to the
# service, in speedscope's format. In between, a thread of this client samples the main thread's
# stack at that interval while the handler runs: a sampling profiler of the standard library
# alone (cProfile would trace every call, and slow small functions unevenly). Each sample weighs
# the time since the one before, as the sampler needs the GIL and a busy main thread may delay
# it; the switch interval is shortened to let it in (a function that looks can see that, and the
# thread). The variable leaves os.environ before the handler loads (the process's /proc environ
# keeps it), and the handler never sees the two invocations.
try:
    profile_us = int(os.environ.pop("LAMBDA_RUNTIME_LOCAL_PROFILE_US", "0"))
except ValueError:
    profile_us = 0
task_root = os.environ.get("LAMBDA_TASK_ROOT", "")


class Sampler:
    def __init__(self, interval_us):
        self.interval_s = interval_us / 1e6
        self.main = threading.get_ident()
        self.active = threading.Event()
        self.lock = threading.Lock()
        self.frames = {}
        self.samples = []
        self.weights = []
        self.last = 0.0
        sys.setswitchinterval(max(self.interval_s, 0.0005))
        threading.Thread(target=self.run, daemon=True).start()

    def run(self):
        while True:
            self.active.wait()
            time.sleep(self.interval_s)
            with self.lock:
                frame = sys._current_frames().get(self.main)
                if not self.active.is_set() or frame is None:
                    continue
                now = time.perf_counter()
                stack = []
                while frame is not None and len(stack) < 512:
                    code = frame.f_code
                    key = (code.co_name, code.co_filename, code.co_firstlineno)
                    index = self.frames.get(key)
                    if index is None:
                        index = self.frames[key] = len(self.frames)
                    stack.append(index)
                    frame = frame.f_back
                stack.reverse()
                self.samples.append(stack)
                self.weights.append((now - self.last) * 1000)
                self.last = now

    def resume(self):
        with self.lock:
            self.last = time.perf_counter()
            self.active.set()

    def pause(self):
        self.active.clear()
        with self.lock:
            pass

    def take(self):
        with self.lock:
            frames = [{"name": k[0], "file": k[1], "line": k[2]} for k in sorted(self.frames, key=lambda k: self.frames[k])]
            document = {
                "$schema": "https://www.speedscope.app/file-format-schema.json",
                "shared": {"frames": frames},
                "profiles": [{
                    "type": "sampled", "name": "handler calls", "unit": "milliseconds",
                    "startValue": 0, "endValue": sum(self.weights),
                    "samples": self.samples, "weights": self.weights,
                }],
            }
            self.samples, self.weights = [], []
            return document


sampler = Sampler(profile_us) if profile_us > 0 else None
profiling = False


def profile_control(client_context):
    if sampler is None or not client_context:
        return None
    try:
        custom = json.loads(client_context).get("custom") or {}
        order = custom.get("lambda-perf-gate-profile")
    except (ValueError, AttributeError):
        return None
    return order if order in ("start", "stop") else None


def control_profile(order, request_id):
    global profiling
    if sampler is None:
        return
    if order == "start":
        sampler.take()
        profiling = True
        return
    profiling = False
    document = {"format": "speedscope", "taskRoot": task_root, "intervalUs": profile_us, "profile": sampler.take()}
    call("POST", "/invocation/%s/local-profile" % request_id, json.dumps(document).encode(),
         {"Content-Type": "application/json"})


class LambdaError(Exception):
    def __init__(self, error_type, message):
        super().__init__(message)
        self.error_type = error_type


def error_payload(error, request_id=None):
    error_type = getattr(error, "error_type", None) or type(error).__name__
    payload = {
        "errorMessage": str(error),
        "errorType": error_type,
        "stackTrace": [line.rstrip("\n") for line in traceback.format_tb(error.__traceback__)],
    }
    if request_id:
        payload["requestId"] = request_id
    return payload


def flushed(request_id):
    # Everything printed before this line has reached the service's pipe.
    sys.stdout.write("\x1eLPG-FLUSHED %s\n" % request_id)
    sys.stdout.flush()


def post_error(path, error, request_id=None):
    payload = error_payload(error, request_id)
    text = "[ERROR] %s: %s" % (payload["errorType"], payload["errorMessage"])
    sys.stdout.write(text.replace("\n", "\r") + "\n")
    if request_id:
        flushed(request_id)
    call("POST", path, json.dumps(payload).encode(), {
        "Content-Type": "application/json",
        "Lambda-Runtime-Function-Error-Type": payload["errorType"],
    })


def load_handler():
    handler = os.environ.get("_HANDLER", "")
    module_path, _, function_name = handler.rpartition(".")
    if not module_path or not function_name:
        raise LambdaError(
            "Runtime.MalformedHandlerName",
            "Bad handler '%s': not enough values to unpack (expected 2, got 1)" % handler,
        )
    module_name = module_path.replace("/", ".")
    sys.path.insert(0, os.environ["LAMBDA_TASK_ROOT"])
    try:
        module = importlib.import_module(module_name)
    except SyntaxError as error:
        raise LambdaError("Runtime.UserCodeSyntaxError", "Syntax error in module '%s': %s" % (module_name, error))
    except ImportError as error:
        raise LambdaError("Runtime.ImportModuleError", "Unable to import module '%s': %s" % (module_name, error))
    function = getattr(module, function_name, None)
    if function is None:
        raise LambdaError(
            "Runtime.HandlerNotFound", "Handler '%s' missing on module '%s'" % (function_name, module_name)
        )
    return function


class Context:
    def __init__(self, request_id, deadline_ms, arn):
        env = os.environ
        self.aws_request_id = request_id
        self.function_name = env.get("AWS_LAMBDA_FUNCTION_NAME")
        self.function_version = env.get("AWS_LAMBDA_FUNCTION_VERSION")
        self.invoked_function_arn = arn
        self.memory_limit_in_mb = env.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
        self.log_group_name = env.get("AWS_LAMBDA_LOG_GROUP_NAME")
        self.log_stream_name = env.get("AWS_LAMBDA_LOG_STREAM_NAME")
        self._deadline_ms = deadline_ms

    def get_remaining_time_in_millis(self):
        return max(0, int(self._deadline_ms - time.time() * 1000))


def main():
    try:
        handler = load_handler()
    except Exception as error:
        post_error("/init/error", error)
        sys.exit(1)
    while True:
        response, body = call("GET", "/invocation/next")
        request_id = response.getheader("Lambda-Runtime-Aws-Request-Id")
        deadline = int(response.getheader("Lambda-Runtime-Deadline-Ms") or "0")
        arn = response.getheader("Lambda-Runtime-Invoked-Function-Arn")
        order = profile_control(response.getheader("Lambda-Runtime-Client-Context"))
        if order:
            control_profile(order, request_id)
            flushed(request_id)
            call("POST", "/invocation/%s/response" % request_id, b"null", {"Content-Type": "application/json"})
            continue
        try:
            event = json.loads(body) if body else None
            if profiling and sampler is not None:
                sampler.resume()
            try:
                result = handler(event, Context(request_id, deadline, arn))
            finally:
                if profiling and sampler is not None:
                    sampler.pause()
            payload = json.dumps(result).encode()
        except Exception as error:
            post_error("/invocation/%s/error" % request_id, error, request_id)
            continue
        flushed(request_id)
        call("POST", "/invocation/%s/response" % request_id, payload, {"Content-Type": "application/json"})


main()
