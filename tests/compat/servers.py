"""servers.py - the two verifiers make compat compares, and an HTTPS client.

Upstream Keylime 7.14.3 runs from ../shared/reference/keylime-7.14.3/run.sh in
its own process group (setsid), and is stopped by ending that group. teev runs
`teev serve` with a fresh `teev certs init` folder. Standard library only.
"""

import http.client
import json
import os
import re
import signal
import ssl
import subprocess
import time

from tpm import free_port


class StartRefused(RuntimeError):
    """The server exited at start on purpose (a configuration it refuses)."""


class Answer:
    """One HTTP answer: status (0 when the exchange failed), raw body, JSON or None."""

    def __init__(self, status, body, error=""):
        self.status = status
        self.body = body
        self.error = error
        try:
            self.json = json.loads(body) if body else None
        except ValueError:
            self.json = None

    def results(self):
        if isinstance(self.json, dict) and isinstance(self.json.get("results"), dict):
            return self.json["results"]
        return {}

    def valid(self):
        """True/False, or None when the answer has no boolean `valid`."""
        v = self.results().get("valid")
        return v if isinstance(v, bool) else None

    def failure_ids(self):
        failures = self.results().get("failures")
        if not isinstance(failures, list):
            return []
        return [f.get("type", "?") if isinstance(f, dict) else "?" for f in failures]

    def claims(self):
        return self.results().get("claims")


class Client:
    """Keep-alive HTTPS to one server; reconnects once after a dropped connection."""

    def __init__(self, port, cafile, cert=None, key=None):
        self.port = port
        self.ctx = ssl.create_default_context(cafile=cafile)
        self.ctx.check_hostname = False  # both serve 127.0.0.1; the CA is checked
        if cert:
            self.ctx.load_cert_chain(cert, key)
        self.conn = None

    def _connect(self):
        self.conn = http.client.HTTPSConnection("127.0.0.1", self.port, context=self.ctx,
                                                timeout=120)

    def request(self, method, path, body=None, content_type="application/json"):
        headers = {"Content-Type": content_type} if body is not None else {}
        last = ""
        for _ in range(2):
            if self.conn is None:
                self._connect()
            try:
                self.conn.request(method, path, body=body, headers=headers)
                res = self.conn.getresponse()
                data = res.read()
                if res.getheader("Connection", "").lower() == "close":
                    self.close()
                return Answer(res.status, data)
            except (OSError, http.client.HTTPException) as e:
                last = "%s: %s" % (type(e).__name__, e)
                self.close()
        return Answer(0, b"", last)

    def close(self):
        if self.conn:
            self.conn.close()
        self.conn = None


def wait_until(predicate, seconds, proc=None):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            return False
        if predicate():
            return True
        time.sleep(0.1)
    return False


def tail(path, lines=30):
    try:
        with open(path, errors="replace") as f:
            return "".join(f.readlines()[-lines:])
    except OSError:
        return "(no log)"


class Upstream:
    """Keylime's verifier (one-shot POST /v2.x/verify/evidence)."""

    def __init__(self, reference, workdir, vcek_dir):
        self.reference = reference
        self.workdir = workdir
        self.vcek_dir = vcek_dir
        self.proc = None
        self.client = None
        self.log = os.path.join(workdir, "verifier.log")

    def start(self, options):
        os.makedirs(self.workdir, exist_ok=True)
        port = free_port()
        argv = [os.path.join(self.reference, "run.sh"), "verifier", self.workdir,
                "port=%d" % port, "num_workers=1"]
        argv += ["%s=%s" % kv for kv in sorted(options.items())]
        env = dict(os.environ, KL_VCEK_DIR=self.vcek_dir)
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(argv, stdout=log, stderr=log, env=env,
                                         start_new_session=True)
        cafile = os.path.join(self.workdir, "keylime", "cv_ca", "cacert.crt")

        def serving():
            if not os.path.exists(cafile):
                return False
            try:
                c = Client(port, cafile)
                ok = c.request("GET", "/version").status == 200
                c.close()
                return ok
            except (OSError, ssl.SSLError):
                return False

        if not wait_until(serving, 120, self.proc):
            self.stop()
            raise RuntimeError("upstream Keylime did not start; its log:\n" + tail(self.log))
        self.client = Client(port, cafile)

    def stop(self):
        if self.client:
            self.client.close()
            self.client = None
        if self.proc is None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            pass
        # The worker and manager processes are in the same group.
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            pass
        self.proc = None


class Teev:
    """`teev serve` on a loopback port with its own CA folder and database."""

    def __init__(self, binary, workdir):
        self.binary = binary
        self.workdir = workdir
        self.proc = None
        self.client = None
        self.anonymous = None
        self.log = os.path.join(workdir, "server.log")
        self.ca = os.path.join(workdir, "cv_ca")
        self.config = os.path.join(workdir, "verifier.conf")

    def start(self, extra_lines, snp_policy=None):
        os.makedirs(self.workdir, exist_ok=True)
        subprocess.run([self.binary, "certs", "init", self.ca], check=True,
                       capture_output=True)
        with open(self.config, "w") as f:
            f.write("[verifier]\nip = 127.0.0.1\nport = 0\ntls_dir = %s\n"
                    "database = %s\nlog_level = warn\noffline = true\n%s\n"
                    % (self.ca, os.path.join(self.workdir, "teev.db"), "\n".join(extra_lines)))
        if snp_policy:
            path = os.path.join(self.workdir, "snp-policy.json")
            with open(path, "w") as f:
                json.dump(snp_policy, f)
            subprocess.run([self.binary, "policy", "add", "--kind", "snp", "default", path,
                            "--config", self.config], check=True, capture_output=True)
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen([self.binary, "serve", "--config", self.config,
                                          "--log-level", "info"],
                                         stdout=log, stderr=log, start_new_session=True)
        port = []

        def listening():
            m = re.search(r"listening on https://127\.0\.0\.1:(\d+)/", tail(self.log, 200))
            if m:
                port.append(int(m.group(1)))
            return bool(m)

        if not wait_until(listening, 30, self.proc):
            code = self.proc.poll()
            self.stop()
            if code is not None:
                raise StartRefused(tail(self.log, 5).strip())
            raise RuntimeError("teev did not start; its log:\n" + tail(self.log))
        self.client = Client(port[0], os.path.join(self.ca, "cacert.crt"),
                             os.path.join(self.ca, "client-cert.crt"),
                             os.path.join(self.ca, "client-private.pem"))
        # As Keylime's own one-shot client connects: no client certificate.
        self.anonymous = Client(port[0], os.path.join(self.ca, "cacert.crt"))

    def stop(self):
        for c in (self.client, self.anonymous):
            if c:
                c.close()
        self.client = self.anonymous = None
        if self.proc is None:
            return 0
        if self.proc.poll() is None:
            self.proc.terminate()
        try:
            code = self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            code = self.proc.wait()
        self.proc = None
        return code

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

