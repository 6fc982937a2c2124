"""tpm.py - a software TPM (swtpm) driven with tpm2-tools, and the evidence
make compat builds with it: IMA measurement lists whose entries are extended
into PCR 10 the way the kernel extends them, and UEFI boot logs replayed into
PCRs 0-9 and 14.

Standard library only (make compat runs it with Debian's /usr/bin/python3).
"""

import base64
import hashlib
import os
import socket
import struct
import subprocess
import time

BANKS = ("sha1", "sha256", "sha384", "sha512")
TPM_ALG = {0x0004: "sha1", 0x000B: "sha256", 0x000C: "sha384", 0x000D: "sha512"}
EV_NO_ACTION = 0x00000003


def digest(bank, data):
    return hashlib.new(bank, data).digest()


def free_port(pair=False):
    """A loopback port that was free a moment ago (with port + 1 when pair)."""
    for _ in range(100):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if not pair:
            return port
        if port < 65535:
            with socket.socket() as s:
                try:
                    s.bind(("127.0.0.1", port + 1))
                    return port
                except OSError:
                    continue
    raise RuntimeError("no free loopback port")


class ToolError(RuntimeError):
    pass


class Swtpm:
    """One swtpm on loopback. Keys are made persistent, so that a power cycle
    (reboot) gives fresh PCRs and the same EK and AKs."""

    def __init__(self, workdir):
        self.dir = workdir
        os.makedirs(os.path.join(workdir, "state"), exist_ok=True)
        self.proc = None
        self.port = 0
        self.env = None

    def start(self):
        for _ in range(5):
            port = free_port(pair=True)
            log = open(os.path.join(self.dir, "swtpm.log"), "ab")
            self.proc = subprocess.Popen(
                ["swtpm", "socket", "--tpm2",
                 "--server", "type=tcp,port=%d,bindaddr=127.0.0.1" % port,
                 "--ctrl", "type=tcp,port=%d,bindaddr=127.0.0.1" % (port + 1),
                 "--tpmstate", "dir=" + os.path.join(self.dir, "state"),
                 "--flags", "not-need-init,startup-clear"],
                stdout=log, stderr=log, start_new_session=True)
            log.close()
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline and self.proc.poll() is None:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    self.port = port
                    self.env = dict(os.environ)
                    self.env["TPM2TOOLS_TCTI"] = "swtpm:host=127.0.0.1,port=%d" % port
                    return
                except OSError:
                    time.sleep(0.02)
            self.stop()
        raise RuntimeError("swtpm did not start (log: %s/swtpm.log)" % self.dir)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def path(self, name):
        return os.path.join(self.dir, name)

    def tool(self, *argv, check=True):
        """Runs one tpm2-tools program, then flushes the transient objects it
        left loaded (swtpm has three object slots and no resource manager)."""
        res = subprocess.run(list(argv), env=self.env, capture_output=True, timeout=60)
        subprocess.run(["tpm2_flushcontext", "-t"], env=self.env, capture_output=True,
                       timeout=60)
        if check and res.returncode != 0:
            raise ToolError("%s exited %d: %s" % (argv[0], res.returncode,
                                                  res.stderr.decode(errors="replace")))
        return res

    def reboot(self):
        """Power cycle: TPM_Init then TPM2_Startup(CLEAR). Every PCR is reset."""
        ctrl = "127.0.0.1:%d" % (self.port + 1)
        res = subprocess.run(["swtpm_ioctl", "--tcp", ctrl, "-i"], capture_output=True,
                             timeout=30)
        if res.returncode != 0:
            raise ToolError("swtpm_ioctl -i: " + res.stderr.decode(errors="replace"))
        self.tool("tpm2_startup", "-c")

    def read(self, name):
        with open(self.path(name), "rb") as f:
            return f.read()

    def create_ek(self):
        self.tool("tpm2_createek", "-c", self.path("ek.ctx"), "-G", "rsa", "-u",
                  self.path("ek.pub"), "-f", "tss")
        return base64.b64encode(self.read("ek.pub")).decode()

    def create_ak(self, stem, alg, hash_alg, scheme, handle):
        """An AK under the EK made persistent at handle; returns Keylime's tpm_ak
        (base64 of the TPM2B_PUBLIC, as tpm2_createak -f tss writes it)."""
        self.tool("tpm2_createak", "-C", self.path("ek.ctx"), "-c", self.path(stem + ".ctx"),
                  "-G", alg, "-g", hash_alg, "-s", scheme, "-u", self.path(stem + ".pub"),
                  "-f", "tss", "-n", self.path(stem + ".name"))
        self.tool("tpm2_evictcontrol", "-c", self.path(stem + ".ctx"), handle)
        return base64.b64encode(self.read(stem + ".pub")).decode()

    def extend(self, specs):
        """specs: list of (pcr, {bank: digest bytes}); a few per tool run."""
        for i in range(0, len(specs), 8):
            args = ["%d:%s" % (pcr, ",".join("%s=%s" % (b, d.hex()) for b, d in sorted(ds.items())))
                    for pcr, ds in specs[i:i + 8]]
            self.tool("tpm2_pcrextend", *args)

    def quote(self, handle, selection, sig_hash, qualifying, scheme=None):
        """tpm2_quote; returns (TPMS_ATTEST, TPMT_SIGNATURE, PCR blob) bytes."""
        argv = ["tpm2_quote", "-c", handle, "-l", selection, "-m", self.path("quote.out"),
                "-s", self.path("sig.out"), "-o", self.path("pcr.out"), "-g", sig_hash]
        if qualifying:
            argv += ["-q", qualifying.hex()]
        if scheme:
            argv += ["--scheme", scheme]
        self.tool(*argv)
        return self.read("quote.out"), self.read("sig.out"), self.read("pcr.out")

    def pcr_values(self, bank, pcrs):
        """{pcr: lowercase hex} read with tpm2_pcrread."""
        out = {}
        for i in range(0, len(pcrs), 8):
            chunk = pcrs[i:i + 8]
            self.tool("tpm2_pcrread", "%s:%s" % (bank, ",".join(map(str, chunk))), "-o",
                      self.path("pcrs.bin"))
            raw = self.read("pcrs.bin")
            size = hashlib.new(bank).digest_size
            for j, pcr in enumerate(chunk):
                out[pcr] = raw[j * size:(j + 1) * size].hex()
        return out


def quote_string(attest, sig, pcrs):
    """Keylime's compound quote: r b64(TPMS_ATTEST) : b64(TPMT_SIGNATURE) : b64(PCR blob)."""
    return "r%s:%s:%s" % tuple(base64.b64encode(x).decode() for x in (attest, sig, pcrs))


# ---- UEFI event logs ----

def parse_eventlog(raw):
    """Events of a TCG PC Client event log as (pcr, type, {bank: digest}).
    Crypto-agile (Spec ID Event03) or a legacy SHA-1 log."""
    events = []
    pos = 0

    def take(n):
        nonlocal pos
        if pos + n > len(raw):
            raise ValueError("event log truncated at %d" % pos)
        chunk = raw[pos:pos + n]
        pos += n
        return chunk

    pcr, etype = struct.unpack("<II", take(8))
    first_digest = take(20)
    size, = struct.unpack("<I", take(4))
    data = take(size)
    sizes = {}
    if etype == EV_NO_ACTION and data.startswith(b"Spec ID Event03\0"):
        count, = struct.unpack_from("<I", data, 24)
        for i in range(count):
            alg, dsize = struct.unpack_from("<HH", data, 28 + 4 * i)
            sizes[alg] = dsize
        while pos < len(raw):
            pcr, etype, count = struct.unpack("<III", take(12))
            digests = {}
            for _ in range(count):
                alg, = struct.unpack("<H", take(2))
                if alg not in sizes:
                    raise ValueError("unknown digest algorithm 0x%x" % alg)
                d = take(sizes[alg])
                if alg in TPM_ALG:
                    digests[TPM_ALG[alg]] = d
            size, = struct.unpack("<I", take(4))
            take(size)
            events.append((pcr, etype, digests))
    else:
        events.append((pcr, etype, {"sha1": first_digest}))
        while pos < len(raw):
            pcr, etype = struct.unpack("<II", take(8))
            d = take(20)
            size, = struct.unpack("<I", take(4))
            take(size)
            events.append((pcr, etype, {"sha1": d}))
    return events


def boot_extends(events, extend_no_action=False):
    """The PCR extends a TPM received while this log was written: every event but
    EV_NO_ACTION (TCG PC Client profile). extend_no_action replays the way
    tpm2-tools 5.4 did (its zero digests extended too), which is what upstream
    Keylime on Debian 12 expects for a log with a StartupLocality event."""
    return [(pcr, ds) for pcr, etype, ds in events
            if ds and (extend_no_action or etype != EV_NO_ACTION)]


def replay(extends, bank):
    """{pcr: value bytes} of one bank after the extends, from all zeros."""
    size = hashlib.new(bank).digest_size
    pcrs = {}
    for pcr, ds in extends:
        if bank in ds:
            pcrs[pcr] = digest(bank, pcrs.get(pcr, bytes(size)) + ds[bank])
    return pcrs


# ---- IMA ----

def u32(n):
    return struct.pack("<I", n)


class ImaEntry:
    """One measurement: its template bytes, and the ASCII line the kernel prints.
    violation: the kernel logs an all-zero template-hash column and extends
    all-FF (a ToMToU or open-writers violation)."""

    def __init__(self, template, fields, data, violation=False):
        self.template = template
        self.fields = fields  # the text after the template name
        self.data = data
        self.violation = violation

    def column(self):
        return "0" * 40 if self.violation else digest("sha1", self.data).hex()

    def line(self, column=None, template=None, pcr="10"):
        return "%s %s %s %s" % (pcr, column if column is not None else self.column(),
                                template or self.template, self.fields)

    def extend_digests(self, banks=BANKS):
        if self.violation:
            return {b: b"\xff" * hashlib.new(b).digest_size for b in banks}
        return {b: digest(b, self.data) for b in banks}


def d_ng(alg, file_digest):
    d = alg.encode() + b":\0" + file_digest
    return u32(len(d)) + d


def n_ng(path):
    n = path.encode() + b"\0"
    return u32(len(n)) + n


def ima_ng(path, file_digest, alg="sha256", violation=False):
    return ImaEntry("ima-ng", "%s:%s %s" % (alg, file_digest.hex(), path),
                    d_ng(alg, file_digest) + n_ng(path), violation)


def ima_sig(path, file_digest, sig, alg="sha256"):
    return ImaEntry("ima-sig", "%s:%s %s %s" % (alg, file_digest.hex(), path, sig.hex()),
                    d_ng(alg, file_digest) + n_ng(path) + u32(len(sig)) + sig)


def ima_buf(name, buf, alg="sha256"):
    file_digest = digest(alg, buf)
    return ImaEntry("ima-buf", "%s:%s %s %s" % (alg, file_digest.hex(), name, buf.hex()),
                    d_ng(alg, file_digest) + n_ng(name) + u32(len(buf)) + buf)


def ima_legacy(path, sha1_digest):
    """The original `ima` template: a bare SHA-1 digest and a 256-byte name field."""
    name = path.encode() + b"\0"
    return ImaEntry("ima", "%s %s" % (sha1_digest.hex(), path),
                    sha1_digest + name + bytes(256 - len(name)))


def ima_list(entries, sep="\n"):
    return "".join(e.line() + sep for e in entries)


def ima_replay(entries, bank):
    size = hashlib.new(bank).digest_size
    value = bytes(size)
    for e in entries:
        value = digest(bank, value + e.extend_digests((bank,))[bank])
    return value
