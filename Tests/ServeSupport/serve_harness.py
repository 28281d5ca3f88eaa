"""Process handling for the `ebjr serve` tests: free ports, servers in their own process groups, waits with
deadlines, and cleanup that leaves no process behind (also on failure)."""
import atexit
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

_started = []


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A child process in its own session (process group), its output in a log file."""

    def __init__(self, args, log_path, env=None, cwd=None):
        self.args = args
        self.log_path = log_path
        self.log = open(log_path, "wb")
        full_env = dict(os.environ)
        full_env.update(env or {})
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                     env=full_env, cwd=cwd, start_new_session=True)
        _started.append(self)

    def text(self):
        with open(self.log_path, "r", errors="replace") as f:
            return f.read()

    def alive(self):
        return self.proc.poll() is None

    def send(self, sig):
        if self.alive():
            os.killpg(self.proc.pid, sig)

    def stop(self, sig=signal.SIGTERM, timeout=10):
        """Sends `sig` to the whole group, waits, then SIGKILLs what is left. Returns the exit code."""
        if self.alive():
            try:
                os.killpg(self.proc.pid, sig)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                pass
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)  # stragglers of the group (MLServer's workers)
        except (ProcessLookupError, PermissionError):
            pass
        if self.proc.poll() is None:
            self.proc.wait(5)
        self.log.close()
        return self.proc.returncode


def cleanup():
    for server in _started:
        try:
            server.stop(signal.SIGKILL, timeout=2)
        except Exception:
            pass


atexit.register(cleanup)
for _sig in (signal.SIGTERM, signal.SIGINT):
    signal.signal(_sig, lambda *_: sys.exit(3))


def http(method, url, body=None, headers=None, timeout=10):
    """(status, body bytes, elapsed seconds); HTTP errors are answers too."""
    data = body if body is None or isinstance(body, bytes) else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {"Content-Type": "application/json"})
    start = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read(), time.monotonic() - start
    except urllib.error.HTTPError as error:
        return error.code, error.read(), time.monotonic() - start


def wait_until(predicate, what, timeout=60, interval=0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if predicate():
                return
        except (OSError, urllib.error.URLError):
            pass
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def start_ebjr_serve(ebjr, args, log_path):
    """Starts `ebjr serve ARGS --port 0` and returns (server, base URL) once it listens."""
    server = Server([ebjr, "serve", *args, "--port", "0"], log_path)
    found = {}

    def listening():
        if not server.alive():
            raise AssertionError(f"ebjr serve exited with {server.proc.returncode}:\n{server.text()}")
        match = re.search(r"listening on (http://[0-9.]+:\d+)", server.text())
        if match:
            found["url"] = match.group(1)
        return "url" in found

    wait_until(listening, "ebjr serve to listen", timeout=120)
    return server, found["url"]


def start_mlserver(python, model_dir, runtime_dir, port, log_path, env=None):
    """MLServer serving the model folder `model_dir` on `port` (gRPC and metrics on other free ports)."""
    settings = {"http_port": port, "grpc_port": free_port(), "metrics_port": free_port(), "parallel_workers": 0,
                "debug": False, "host": "127.0.0.1"}
    with open(os.path.join(model_dir, "settings.json"), "w") as f:
        json.dump(settings, f)
    mlserver = os.path.join(os.path.dirname(python), "mlserver")
    full_env = {"PYTHONPATH": runtime_dir + os.pathsep + os.environ.get("PYTHONPATH", "")}
    full_env.update(env or {})
    server = Server([mlserver, "start", model_dir], log_path, env=full_env)
    return server


def check(condition, message):
    if not condition:
        raise AssertionError(message)
