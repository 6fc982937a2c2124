"""cases.py - the requests make compat sends to both verifiers.

golden_cases(): upstream's recorded cases (../shared/testdata/keylime/golden).
Generator.tpm_cases(): fresh quotes from a software TPM (RSA and ECC AKs, every
bank, several PCR selections, nonce forms, each required field missing or of
the wrong type, PCR policies, IMA lists against runtime policies, UEFI boot logs
against measured-boot policies). snp_cases(): real SEV-SNP reports of
../shared/testdata/snp and forged ones (build/snp-forge), with mutations.

Every case has a unique name, a group (what kind of request it is: the
classifier in rules.py decides on groups, never on message texts), the body,
and the server pair it goes to ("main", "forge" or a golden config variant).
Generated values come from one seeded random.Random, so the same seed gives
the same requests apart from what the TPM adds itself (clock, ECDSA k).
"""

import base64
import copy
import hashlib
import json
import os
import random
import string

import tpm

EVIDENCE = "/v2.5/verify/evidence"


class Case:
    def __init__(self, name, group, body, target="main", path=EVIDENCE, method="POST",
                 content_type="application/json", note="", anonymous=False):
        self.name = name
        self.anonymous = anonymous  # teev too gets it without a client certificate
        self.group = group
        self.body = body
        self.target = target
        self.path = path
        self.method = method
        self.content_type = content_type
        self.note = note

    def payload(self):
        if self.body is None:
            return None
        if isinstance(self.body, bytes):
            return self.body
        return json.dumps(self.body).encode()


def b64(raw):
    return base64.b64encode(raw).decode()


def b64url(raw):
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


# ---- golden cases ----

def _resolve(obj, keylime_dir):
    """"@base64file:PATH" (relative to testdata/keylime) -> base64 of the file."""
    if isinstance(obj, dict):
        return {k: _resolve(v, keylime_dir) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_resolve(v, keylime_dir) for v in obj]
    if isinstance(obj, str) and obj.startswith("@base64file:"):
        with open(os.path.join(keylime_dir, obj[len("@base64file:"):]), "rb") as f:
            return b64(f.read())
    return obj


def config_key(config):
    return ",".join("%s=%s" % (k, config[k]) for k in sorted(config))


def golden_cases(shared):
    keylime = os.path.join(shared, "testdata", "keylime")
    golden = os.path.join(keylime, "golden")
    out = []

    def body_of(request):
        if isinstance(request, str):  # body_not_json: the raw text was the body
            return request.encode()
        return _resolve(request, keylime)

    with open(os.path.join(golden, "tpm-cases.json")) as f:
        for c in json.load(f):
            out.append(Case("golden.tpm." + c["name"], "golden.tpm." + c["name"],
                            body_of(c["request"]), note=c.get("note", "")))
    with open(os.path.join(golden, "tee-cases.json")) as f:
        for c in json.load(f)["cases"]:
            out.append(Case("golden.tee." + c["name"], "golden.tee." + c["name"],
                            body_of(c["request"]), note=c.get("note", "")))
    with open(os.path.join(golden, "tpm-cases-config-variants.json")) as f:
        for c in json.load(f):
            key = config_key(c["config"])
            out.append(Case("golden.variant[%s].%s" % (key, c["name"]),
                            "golden.variant.%s.%s" % (key, c["name"]), body_of(c["request"]),
                            target="cfg:" + key, note=c.get("note", "")))
    return out


def golden_configs(shared):
    """The distinct configurations of the config-variant cases, in file order."""
    path = os.path.join(shared, "testdata", "keylime", "golden",
                        "tpm-cases-config-variants.json")
    seen = {}
    with open(path) as f:
        for c in json.load(f):
            seen.setdefault(config_key(c["config"]), c["config"])
    return seen


def golden_vceks(shared, vcek_dir):
    """The golden SNP cases ask KDS for chip 00..3f: answer with keys/fake-vcek.der."""
    src = os.path.join(shared, "testdata", "keylime", "golden", "keys", "fake-vcek.der")
    with open(src, "rb") as f:
        der = f.read()
    with open(os.path.join(vcek_dir, bytes(range(64)).hex() + ".der"), "wb") as f:
        f.write(der)


# ---- runtime policies ----

def runtime_policy(digests, excludes=(), keyrings=None, ima_buf=None, log_hash_alg="sha1",
                   ignored_keyrings=()):
    """Keylime's runtime policy v1, every key its schema requires."""
    return {
        "meta": {"version": 1, "generator": 0, "timestamp": ""},
        "release": 0,
        "digests": {k: list(v) for k, v in digests.items()},
        "excludes": list(excludes),
        "keyrings": keyrings or {},
        "ima": {"ignored_keyrings": list(ignored_keyrings), "log_hash_alg": log_hash_alg,
                "dm_policy": None},
        "ima-buf": ima_buf or {},
        "verification-keys": "",
    }


def refstate(shared):
    with open(os.path.join(shared, "testdata", "keylime", "mb-policy",
                           "example_reference_state.json")) as f:
        return f.read()


# ---- SEV-SNP ----

GUID_VCEK = bytes.fromhex("63da758de6644564adc5f4b93be8accd")
GUID_VLEK = bytes.fromhex("a8074bc2a25a483eaae639c045a0b8a1")


def certs_table(entries):
    """A GHCB certificate table: (GUID, offset, length) entries, an all-zero
    terminator, then the certificates."""
    offset = 24 * (len(entries) + 1)
    table, blobs = b"", b""
    for guid, der in entries:
        table += guid + (offset + len(blobs)).to_bytes(4, "little") + len(der).to_bytes(4, "little")
        blobs += der
    return table + bytes(24) + blobs


def der_of(path):
    with open(path, "rb") as f:
        raw = f.read()
    if raw.startswith(b"-----BEGIN"):
        body = b"".join(l for l in raw.splitlines() if l and not l.startswith(b"-----"))
        return base64.b64decode(body)
    return raw


def snp_request(report, nonce, x, y, certs_buf=None):
    return {"type": "tee",
            "data": {"tee-evidence": {"tee": "snp",
                                      "evidence": {"snp-report": b64(report),
                                                   "certs-buf": b64(certs_buf) if certs_buf
                                                   else None}},
                     "nonce": b64(nonce), "tee-pubkey-x-b64": b64url(x),
                     "tee-pubkey-y-b64": b64url(y)}}


def chip_id(report):
    return report[0x1A0:0x1E0]


def snp_cases(shared, forge_dir, vcek_dir, offline_dir, rng):
    """Real reports (teev with AMD's roots: target main) and forged ones (teev
    trusting the forge's roots: target forge). Upstream gets every VCEK from
    vcek_dir (KL_VCEK_DIR) by CHIP_ID; teev from certs-buf or offline_dir."""
    out = []
    snp = os.path.join(shared, "testdata", "snp")
    for name in sorted(os.listdir(snp)):
        folder = os.path.join(snp, name)
        if not os.path.exists(os.path.join(folder, "report.bin")):
            continue
        with open(os.path.join(folder, "report.bin"), "rb") as f:
            report = f.read()
        nonce, x, y = rng.randbytes(32), rng.randbytes(48), rng.randbytes(48)
        vlek = os.path.exists(os.path.join(folder, "vlek.der"))
        leaf = der_of(os.path.join(folder, "vlek.der" if vlek else "vcek.der"))
        if not vlek:
            with open(os.path.join(vcek_dir, chip_id(report).hex() + ".der"), "wb") as f:
                f.write(leaf)
            hwid = chip_id(report)[:8] if name.startswith("turin") else chip_id(report)
            d = os.path.join(offline_dir, "vcek", hwid.hex())
            os.makedirs(d, exist_ok=True)
            with open(os.path.join(d, "vcek.der"), "wb") as f:
                f.write(leaf)
        certs = certs_table([(GUID_VLEK if vlek else GUID_VCEK, leaf)])
        out.append(Case("snp.real.%s.fresh-nonce" % name, "snp.real.fresh-nonce" +
                        (".vlek" if vlek else ""), snp_request(report, nonce, x, y, certs)))
        if not vlek:
            out.append(Case("snp.real.%s.vcek-offline" % name, "snp.real.fresh-nonce",
                            snp_request(report, nonce, x, y)))

    for product in ("milan", "genoa", "turin", "milan-vlek"):
        folder = os.path.join(forge_dir, product)
        with open(os.path.join(folder, "report.bin"), "rb") as f:
            report = f.read()
        if product != "milan-vlek":
            with open(os.path.join(vcek_dir, chip_id(report).hex() + ".der"), "wb") as f:
                f.write(der_of(os.path.join(folder, "vcek.der")))
        for req in ("request.json", "request-nocerts.json"):
            with open(os.path.join(folder, req)) as f:
                body = json.load(f)
            group = "snp.forged.ok" + {"milan-vlek": ".vlek", "turin": ".turin"}.get(product, "")
            out.append(Case("snp.forged.%s.%s" % (product, req[:-5]), group, body,
                            target="forge"))
    out += snp_mutations(forge_dir)
    return out


def snp_mutations(forge_dir):
    with open(os.path.join(forge_dir, "milan", "request.json")) as f:
        base = json.load(f)
    report = base64.b64decode(base["data"]["tee-evidence"]["evidence"]["snp-report"])
    cases = []

    def add(label, group, mutate):
        body = copy.deepcopy(base)
        mutate(body)
        cases.append(Case("snp.mut." + label, "snp." + group, body, target="forge"))

    def data(b):
        return b["data"]

    def ev(b):
        return b["data"]["tee-evidence"]["evidence"]

    def set_report(raw):
        return lambda b: ev(b).__setitem__("snp-report", b64(raw))

    def flip(at):
        raw = bytearray(report)
        raw[at] ^= 0x01
        return bytes(raw)

    add("wrong-nonce", "freshness", lambda b: data(b).__setitem__("nonce", b64(b"other nonce")))
    add("x-y-swapped", "freshness", lambda b: data(b).update({
        "tee-pubkey-x-b64": base["data"]["tee-pubkey-y-b64"],
        "tee-pubkey-y-b64": base["data"]["tee-pubkey-x-b64"]}))
    add("signature-flipped", "bad-signature", set_report(flip(0x2A0 + 5)))
    add("measurement-flipped", "bad-signature", set_report(flip(0x90)))
    add("report-data-flipped", "bad-signature", set_report(flip(0x50)))
    for field in ("tee-evidence", "nonce", "tee-pubkey-x-b64", "tee-pubkey-y-b64"):
        add("missing-" + field, "field.missing", lambda b, f=field: data(b).pop(f))
        add("empty-" + field, "field.empty", lambda b, f=field: data(b).__setitem__(f, ""))
        add("number-" + field, "field.wrong-type", lambda b, f=field: data(b).__setitem__(f, 7))
    add("missing-tee", "field.missing", lambda b: data(b)["tee-evidence"].pop("tee"))
    add("missing-evidence", "field.missing", lambda b: data(b)["tee-evidence"].pop("evidence"))
    add("missing-snp-report", "field.missing", lambda b: ev(b).pop("snp-report"))
    add("empty-snp-report", "field.empty", lambda b: ev(b).__setitem__("snp-report", ""))
    add("number-snp-report", "field.wrong-type", lambda b: ev(b).__setitem__("snp-report", 7))
    add("evidence-string", "field.wrong-type",
        lambda b: data(b)["tee-evidence"].__setitem__("evidence", "x"))
    add("tee-evidence-list", "field.wrong-type",
        lambda b: data(b).__setitem__("tee-evidence", []))
    add("tee-sgx", "tee.unsupported",
        lambda b: data(b)["tee-evidence"].__setitem__("tee", "sgx"))
    add("tee-tdx", "tee.tdx", lambda b: data(b)["tee-evidence"].__setitem__("tee", "tdx"))
    add("tee-uppercase", "tee.unsupported",
        lambda b: data(b)["tee-evidence"].__setitem__("tee", "SNP"))
    add("report-short", "report.short", set_report(report[:0x187]))
    add("report-long", "report.long", set_report(report + b"\0"))
    add("report-not-base64", "report.not-base64",
        lambda b: ev(b).__setitem__("snp-report", "!!not base64!!"))
    add("nonce-not-base64", "nonce.not-base64",
        lambda b: data(b).__setitem__("nonce", "not base64!"))
    add("nonce-urlsafe", "nonce.not-base64",
        lambda b: data(b).__setitem__("nonce", "__--__--"))
    add("x-padded", "pubkey.padded", lambda b: data(b).__setitem__(
        "tee-pubkey-x-b64", base["data"]["tee-pubkey-x-b64"] + "=="))
    add("x-short", "pubkey.length", lambda b: data(b).__setitem__("tee-pubkey-x-b64",
                                                                   b64url(b"\x01" * 31)))
    add("certs-buf-garbage", "certs-buf.garbage",
        lambda b: ev(b).__setitem__("certs-buf", b64(b"\x11" * 40)))
    add("certs-buf-absent", "certs-buf.absent", lambda b: ev(b).pop("certs-buf"))
    add("data-extra-field", "extra-field", lambda b: data(b).__setitem__("extra", [1, 2]))
    return cases


# ---- TPM ----

ALNUM = string.ascii_letters + string.digits

# name: (tpm2_createak -G, -g, -s, persistent handle)
AKS = {
    "rsa-sha256": ("rsa", "sha256", "rsassa", "0x81010010"),
    "rsa-sha1": ("rsa", "sha1", "rsassa", "0x81010011"),
    "ecc-sha256": ("ecc256", "sha256", "ecdsa", "0x81010012"),
    "ecc-sha1": ("ecc256", "sha1", "ecdsa", "0x81010013"),
    "ecc384-sha384": ("ecc384", "sha384", "ecdsa", "0x81010014"),
    "rsa-sha512": ("rsa", "sha512", "rsassa", "0x81010015"),
    "rsa-pss": ("rsa", "sha256", "rsapss", "0x81010016"),
    "rsa-other": ("rsa", "sha256", "rsassa", "0x81010017"),
}

FILES = ["/usr/bin/bash", "/usr/lib/x86_64-linux-gnu/libc.so.6", "/etc/ld.so.cache",
         "/usr/bin/ls", "/usr/sbin/sshd", "/usr/lib/systemd/systemd", "/var/log/evil.log",
         "/tmp/scratch/run.sh", "/usr/bin/python3.11"]
# A measured file whose path is longer than 255 bytes and whose last 255 bytes
# start with /tmp/ (issue 12 item 4a: re-labelled as a legacy `ima` entry).
LONG_PATH = "/root/x" + "/tmp/" + "e" * 250


class Generator:
    """Drives one swtpm through two boots and derives every TPM case from the
    quotes it signs."""

    def __init__(self, shared, workdir, seed):
        self.shared = shared
        self.rng = random.Random(seed)
        self.tpm = tpm.Swtpm(workdir)
        self.cases = []
        self.keylime = os.path.join(shared, "testdata", "keylime")
        logs = os.path.join(self.keylime, "uefi-eventlogs")
        with open(os.path.join(logs, "binary_bios_measurements-secureboot"), "rb") as f:
            self.log_m = f.read()
        with open(os.path.join(logs, "binary_bios_measurements"), "rb") as f:
            self.log_b = f.read()
        with open(os.path.join(logs, "mb_log.b64"), "rb") as f:
            self.log_other_b64 = f.read().decode()
        with open(os.path.join(logs, "binary_bios_measurements-bogus"), "rb") as f:
            self.log_bogus = f.read()
        self.refstate = refstate(shared)

    # -- helpers --

    def nonce(self, n=20):
        return "".join(self.rng.choice(ALNUM) for _ in range(n))

    def add(self, name, group, data, target="main"):
        if any(c.name == name for c in self.cases):
            raise ValueError("duplicate case name " + name)
        self.cases.append(Case(name, group, {"type": "tpm", "data": data}, target))

    def quote(self, ak, selection, nonce=None, qualifying=None):
        """A fresh quote: {quote, nonce, hash_alg, ak, values {bank: {pcr: hex}}}."""
        _, sig_hash, scheme, handle = AKS[ak]
        if nonce is None:
            nonce = self.nonce()
        if qualifying is None:
            qualifying = nonce.encode()
        values = {}
        for part in selection.split("+"):
            bank, pcrs = part.split(":")
            values[bank] = self.tpm.pcr_values(bank, [int(p) for p in pcrs.split(",")])
        attest, sig, blob = self.tpm.quote(handle, selection, sig_hash, qualifying,
                                           "rsapss" if scheme == "rsapss" else None)
        return {"quote": tpm.quote_string(attest, sig, blob), "parts": (attest, sig, blob),
                "nonce": nonce, "hash_alg": sig_hash, "ak": ak, "values": values}

    def data(self, q, **extra):
        d = {"quote": q["quote"], "nonce": q["nonce"], "hash_alg": q["hash_alg"],
             "tpm_ek": self.ek, "tpm_ak": self.ak_b64[q["ak"]]}
        for k, v in extra.items():
            if v is not None:
                d[k] = v
        return d

    def pin(self, q, pcrs, bank=None):
        bank = bank or q["hash_alg"]
        return json.dumps({str(p): [q["values"][bank][p]] for p in pcrs})

    # -- set-up --

    def start(self):
        self.tpm.start()
        self.ek = self.tpm.create_ek()
        self.ak_b64 = {}
        for name, (alg, hash_alg, scheme, handle) in AKS.items():
            self.ak_b64[name] = self.tpm.create_ak("ak-" + name, alg, hash_alg, scheme, handle)

    def stop(self):
        self.tpm.stop()

    def random_extends(self):
        specs = [(pcr, {b: self.rng.randbytes(hashlib.new(b).digest_size) for b in tpm.BANKS})
                 for pcr in (15, 16, 23)]
        self.tpm.extend(specs)

    def boot_m(self):
        """Boot M: the secure-boot log (sha256) in PCRs 0-9 and 14 as the TCG
        profile says, an IMA history of every template in PCR 10."""
        self.tpm.reboot()
        events = tpm.parse_eventlog(self.log_m)
        extends = tpm.boot_extends(events)
        self.tpm.extend(extends)
        boot = tpm.replay(extends, "sha256")
        aggregate = hashlib.sha256(b"".join(boot[i] for i in range(10))).digest()
        self.aggregate_m = aggregate.hex()
        rnd = self.rng.randbytes
        with open(os.path.join(self.keylime, "ima", "test_ima_verification",
                               "KEYRINGS.txt")) as f:
            key_der = bytes.fromhex(f.read().split()[5])
        sig = bytes([3, 2, 4]) + rnd(4) + (256).to_bytes(2, "big") + rnd(256)
        entries = [tpm.ima_ng("boot_aggregate", aggregate)]
        entries += [tpm.ima_ng(p, rnd(32)) for p in FILES[:8]]
        entries.append(tpm.ima_ng(FILES[8], rnd(20), alg="sha1"))
        entries.append(tpm.ima_sig("/usr/bin/signed-tool", rnd(32), sig))
        entries.append(tpm.ima_buf(".ima", key_der))
        entries.append(tpm.ima_buf("kernel_version", b"6.1.0-compat"))
        entries.append(tpm.ima_ng("/var/lib/app/db", rnd(32), violation=True))
        entries.append(tpm.ima_ng(LONG_PATH, rnd(32)))
        self.ima_m = entries
        self.mid = 6  # a quote is taken after this many entries
        self.tpm.extend([(10, e.extend_digests()) for e in entries[:self.mid]])
        self.q_mid = self.quote("rsa-sha256", "sha256:10,15")
        self.tpm.extend([(10, e.extend_digests()) for e in entries[self.mid:]])
        self.random_extends()

    def boot_b(self):
        """Boot B: the sha1+sha256 log with a StartupLocality event, extended the way
        tpm2-tools 5.4 replays it (upstream's expectation on Debian 12), and an IMA
        history in the legacy `ima` template followed by one ima-ng entry."""
        self.tpm.reboot()
        extends = tpm.boot_extends(tpm.parse_eventlog(self.log_b), extend_no_action=True)
        self.tpm.extend(extends)
        boot = tpm.replay(extends, "sha1")
        aggregate = hashlib.sha1(b"".join(boot[i] for i in range(8))).digest()
        rnd = self.rng.randbytes
        entries = [tpm.ima_legacy("boot_aggregate", aggregate)]
        entries += [tpm.ima_legacy(p, rnd(20)) for p in FILES[:3]]
        self.ima_b_legacy = len(entries)
        entries.append(tpm.ima_ng(FILES[3], rnd(32)))
        self.ima_b = entries
        self.tpm.extend([(10, e.extend_digests()) for e in entries])
        self.random_extends()

    def allow_all(self, entries, **kw):
        digests = {}
        keyrings, ima_buf = {}, {}
        for e in entries:
            if e.violation:
                continue
            parts = e.fields.split(" ")
            hexd = parts[0].split(":")[-1]
            if e.template == "ima-buf":
                (keyrings if parts[1].startswith(".") else ima_buf).setdefault(
                    parts[1], []).append(hexd)
            else:
                path = e.fields.split(" ", 1)[1]
                if e.template == "ima-sig":
                    path = parts[1]
                digests.setdefault(path, []).append(hexd)
        return runtime_policy(digests, keyrings=keyrings, ima_buf=ima_buf, **kw)

    # -- the cases --

    def tpm_cases(self):
        self.start()
        try:
            self.boot_m()
            self.matrix()
            self.banks()
            self.nonces()
            self.fields()
            self.policies_presence()
            self.pcr_policies()
            self.hash_algs()
            self.keys()
            self.quote_strings()
            self.ima()
            self.measured_boot()
            self.boot_b()
            self.boot_b_cases()
        finally:
            self.stop()
        return self.cases

    def matrix(self):
        """Each AK over several PCR selections of its own bank, with a PCR policy
        that passes, one that does not match, and one naming an unquoted PCR."""
        selections = {"15-16": [15, 16], "16": [16], "23": [23], "0-7": list(range(8)),
                      "14-16-23": [14, 15, 16, 23],
                      "all-but-10": [p for p in range(24) if p != 10]}
        for ak in ("rsa-sha256", "rsa-sha1", "ecc-sha256", "ecc-sha1", "ecc384-sha384",
                   "rsa-sha512"):
            bank = AKS[ak][1]
            for label, pcrs in selections.items():
                q = self.quote(ak, "%s:%s" % (bank, ",".join(map(str, pcrs))))
                last = pcrs[-1]
                self.add("tpm.matrix.%s.%s.ok" % (ak, label), "tpm.ok",
                         self.data(q, tpm_policy=self.pin(q, [last])))
                if label == "15-16":
                    wrong = json.dumps({"15": ["00" * len(bytes.fromhex(q["values"][bank][15]))]})
                    self.add("tpm.matrix.%s.%s.pcr-mismatch" % (ak, label),
                             "tpm.pcr-policy.mismatch", self.data(q, tpm_policy=wrong))
                    missing = json.dumps({"15": [q["values"][bank][15]], "17": ["00"]})
                    self.add("tpm.matrix.%s.%s.pcr-missing" % (ak, label),
                             "tpm.pcr-policy.missing-pcr", self.data(q, tpm_policy=missing))
        self.base = self.quote("rsa-sha256", "sha256:15,16")

    def banks(self):
        """The quoted bank differs from the signature's hash, or several banks."""
        q = self.quote("rsa-sha256", "sha1:15,16")
        self.add("tpm.bank.sha1-bank-sha256-sig", "tpm.bank.other-than-signature",
                 self.data(q, tpm_policy=self.pin(q, [15], "sha1")))
        self.add("tpm.bank.sha1-bank-sha256-sig.hash-alg-sha1", "tpm.hash-alg.mismatch",
                 self.data(q, hash_alg="sha1", tpm_policy=self.pin(q, [15], "sha1")))
        q = self.quote("ecc-sha256", "sha384:16")
        self.add("tpm.bank.sha384-bank-sha256-sig", "tpm.bank.other-than-signature",
                 self.data(q, tpm_policy=self.pin(q, [16], "sha384")))
        for ak, sel, pin_bank in (("rsa-sha256", "sha1:15,16+sha256:15,16", "sha256"),
                                  ("rsa-sha256", "sha256:15,16+sha1:15,16", "sha256"),
                                  ("ecc-sha256", "sha256:15+sha384:16", "sha256"),
                                  ("rsa-sha1", "sha1:15,16+sha256:15,16", "sha1")):
            q = self.quote(ak, sel)
            self.add("tpm.bank.multi.%s.%s" % (ak, sel.replace(":", "-")), "tpm.bank.multi",
                     self.data(q, tpm_policy=self.pin(q, [15], pin_bank)))
        q = self.quote("rsa-sha256", "sha1:15,16+sha256:15,16")
        wrong = json.dumps({"15": ["11" * 32]})
        self.add("tpm.bank.multi.pcr-mismatch", "tpm.bank.multi",
                 self.data(q, tpm_policy=wrong))

    def nonces(self):
        """Nonce forms: Keylime's client sends 20 alphanumerics used raw."""
        pol = lambda q: self.pin(q, [15])
        raw = self.rng.randbytes(20)
        forms = [
            ("raw-alnum", "tpm.nonce.ok", self.nonce(), None, None),
            ("raw-64", "tpm.nonce.ok", self.nonce(64), None, None),
            ("raw-1", "tpm.nonce.ok", self.nonce(1), None, None),
            ("base64-of-bytes", "tpm.nonce.ok", b64(raw), raw, None),
            ("unicode", "tpm.nonce.ok", "n\u00f6nce-\u20ac-" + self.nonce(8), None, None),
            ("hex-of-raw", "tpm.nonce.mismatch", None, None, "hex"),
            ("other", "tpm.nonce.mismatch", None, None, "other"),
            ("base64-newline", "tpm.nonce.base64-lenient", b64(raw), raw, "newline"),
            ("base64-junk", "tpm.nonce.base64-lenient", b64(raw), raw, "junk"),
            ("base64-unpadded", "tpm.nonce.base64-lenient", b64(raw[:19]), raw[:19], "unpad"),
            ("base64-urlsafe", "tpm.nonce.base64-lenient", None, None, "urlsafe"),
            ("equals-empty-qualifying", "tpm.nonce.base64-lenient", "=", b"", None),
            ("space-inside", "tpm.nonce.ok", "ab cd " + self.nonce(6), None, None),
        ]
        for label, group, nonce, qualifying, twist in forms:
            if twist == "urlsafe":
                raw2 = bytes([0xfb, 0xff, 0xfe]) * 6
                q = self.quote("rsa-sha256", "sha256:15,16", nonce=base64.urlsafe_b64encode(
                    raw2).decode(), qualifying=raw2)
            else:
                q = self.quote("rsa-sha256", "sha256:15,16", nonce=nonce, qualifying=qualifying)
            sent = q["nonce"]
            if twist == "hex":
                sent = q["nonce"].encode().hex()
            elif twist == "other":
                sent = self.nonce()
            elif twist == "newline":
                sent = sent[:8] + "\n" + sent[8:]
            elif twist == "junk":
                sent = sent[:8] + "*" + sent[8:]
            elif twist == "unpad":
                sent = sent.rstrip("=")
            self.add("tpm.nonce." + label, group, self.data(q, tpm_policy=pol(q)) | {
                "nonce": sent})
        q = self.quote("rsa-sha256", "sha256:15,16", nonce="", qualifying=b"")
        self.add("tpm.nonce.empty", "tpm.field.empty", self.data(q, tpm_policy=pol(q)))

    def fields(self):
        """Each required field missing, empty, null, or of another JSON type."""
        q = self.base
        good = self.data(q, tpm_policy=self.pin(q, [15]))
        self.add("tpm.fields.all-present", "tpm.ok", good)
        self.add("tpm.fields.extra-echoed", "tpm.ok", dict(good, extra={"a": [1, "b"]},
                                                             another="x"))
        kinds = {"missing": None, "empty": "", "null": None, "number": 12, "list": [],
                 "object": {}, "bool": True}
        for field in ("quote", "nonce", "hash_alg", "tpm_ek", "tpm_ak"):
            for kind, value in kinds.items():
                d = dict(good)
                if kind == "missing":
                    del d[field]
                else:
                    d[field] = value
                group = {"missing": "tpm.field.missing", "empty": "tpm.field.empty",
                         "null": "tpm.field.null"}.get(kind, "tpm.field.wrong-type")
                self.add("tpm.fields.%s.%s" % (field, kind), group, d)

    def policies_presence(self):
        q = self.base
        base = self.data(q)
        for label, extra in (("none", {}),
                             ("tpm-policy-empty-string", {"tpm_policy": ""}),
                             ("tpm-policy-null", {"tpm_policy": None}),
                             ("tpm-policy-empty-object", {"tpm_policy": {}}),
                             ("all-empty-strings", {"tpm_policy": "", "runtime_policy": "",
                                                    "mb_policy": ""})):
            d = dict(base)
            d.update(extra)
            if "tpm_policy" in extra and extra["tpm_policy"] is None:
                d["tpm_policy"] = None
            self.add("tpm.policy-presence." + label, "tpm.policy.none", d)
        d = dict(base, tpm_policy="{}")
        self.add("tpm.policy-presence.tpm-policy-empty-json", "tpm.policy.empty-json", d)
        # Values Python finds false are no policy ("if tpm_policy"), alone or
        # beside one that is.
        for field in ("tpm_policy", "runtime_policy", "mb_policy"):
            for label, value in (("false", False), ("zero", 0), ("zero-float", 0.0)):
                self.add("tpm.policy-presence.%s-%s" % (field.replace("_", "-"), label),
                         "tpm.policy.none", dict(base, **{field: value}))
        pin = self.pin(q, [15])
        for field, value in (("runtime_policy", False), ("mb_policy", 0)):
            self.add("tpm.policy-presence.pin-and-%s-falsy" % field.replace("_", "-"), "tpm.ok",
                     dict(base, tpm_policy=pin, **{field: value}))

    def pcr_policies(self):
        q = self.base
        v15, v16 = q["values"]["sha256"][15], q["values"]["sha256"][16]
        variants = [
            ("object-not-string", "tpm.pcr-policy.object", {"15": [v15]}),
            ("mask-and-pins", "tpm.ok", json.dumps({"mask": "0x18000", "15": [v15],
                                                    "16": [v16]})),
            ("mask-only", "tpm.ok", json.dumps({"mask": "0x8000"})),
            ("several-values", "tpm.ok", json.dumps({"15": ["00" * 32, v15]})),
            ("uppercase-hex", "tpm.pcr-policy.uppercase", json.dumps({"15": [v15.upper()]})),
            ("0x-prefix", "tpm.pcr-policy.mismatch", json.dumps({"15": ["0x" + v15]})),
            ("bare-string", "tpm.pcr-policy.value-string", json.dumps({"15": v15})),
            ("bare-string-substring", "tpm.pcr-policy.value-string",
             json.dumps({"15": v15[4:20]})),
            ("value-number", "tpm.pcr-policy.value-type", json.dumps({"15": 5})),
            ("value-list-number", "tpm.pcr-policy.value-type", json.dumps({"15": [5]})),
            ("value-object", "tpm.pcr-policy.value-type", json.dumps({"15": {"a": v15}})),
            ("value-empty-list", "tpm.pcr-policy.mismatch", json.dumps({"15": []})),
            ("value-not-hex", "tpm.pcr-policy.mismatch", json.dumps({"15": ["zz" * 32]})),
            ("value-sha1-length", "tpm.pcr-policy.mismatch", json.dumps({"15": [v15[:40]]})),
            ("key-abc", "tpm.pcr-policy.bad-key", json.dumps({"abc": [v15]})),
            ("key-0x0f", "tpm.pcr-policy.bad-key", json.dumps({"0x0f": [v15]})),
            ("key-99", "tpm.pcr-policy.key-range", json.dumps({"15": [v15], "99": ["00"]})),
            ("key-minus-1", "tpm.pcr-policy.key-range", json.dumps({"15": [v15], "-1": ["00"]})),
            ("key-leading-space", "tpm.pcr-policy.key-spelling", json.dumps({" 15": [v15]})),
            ("key-leading-zero", "tpm.pcr-policy.key-spelling", json.dumps({"015": [v15]})),
            ("pcr10-pinned-not-quoted", "tpm.pcr-policy.pcr10",
             json.dumps({"15": [v15], "10": ["00" * 32]})),
            ("json-list", "tpm.pcr-policy.not-object", "[]"),
            ("json-null", "tpm.pcr-policy.not-object", "null"),
            ("json-number", "tpm.pcr-policy.not-object", "5"),
            ("not-json", "tpm.pcr-policy.not-json", "{15: x"),
            ("number-not-string", "tpm.pcr-policy.not-object", 15),
            ("duplicate-key", "tpm.pcr-policy.duplicate-key",
             '{"15": ["%s"], "15": ["%s"]}' % ("00" * 32, v15)),
        ]
        for label, group, pol in variants:
            self.add("tpm.pcr-policy." + label, group, self.data(q, tpm_policy=pol))

    def hash_algs(self):
        q = self.base
        pol = self.pin(q, [15])
        for label, alg, group in (("sha1", "sha1", "tpm.hash-alg.mismatch"),
                                  ("sha384", "sha384", "tpm.hash-alg.mismatch"),
                                  ("uppercase", "SHA256", "tpm.hash-alg.unknown"),
                                  ("sm3", "sm3_256", "tpm.hash-alg.unknown"),
                                  ("md5", "md5", "tpm.hash-alg.unknown"),
                                  ("trailing-space", "sha256 ", "tpm.hash-alg.unknown")):
            self.add("tpm.hash-alg." + label, group, self.data(q, hash_alg=alg, tpm_policy=pol))

    def keys(self):
        q = self.base
        pol = self.pin(q, [15])
        ak = base64.b64decode(self.ak_b64["rsa-sha256"])
        variants = [
            ("other-ak", "tpm.ak.other-key", self.ak_b64["rsa-other"]),
            ("ecc-ak-for-rsa-quote", "tpm.ak.other-key", self.ak_b64["ecc-sha256"]),
            ("pss-ak", "tpm.ak.other-key", self.ak_b64["rsa-pss"]),
            ("pem", "tpm.ak.malformed",
             "-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----"),
            ("not-base64", "tpm.ak.malformed", "!!!"),
            ("random-bytes", "tpm.ak.malformed", b64(self.rng.randbytes(50))),
            ("truncated", "tpm.ak.malformed", b64(ak[:-10])),
            ("trailing-byte", "tpm.ak.trailing", b64(ak + b"\0")),
            ("base64-newline", "tpm.ak.base64-lenient", b64(ak)[:40] + "\n" + b64(ak)[40:]),
        ]
        for label, group, value in variants:
            self.add("tpm.ak." + label, group, self.data(q, tpm_policy=pol) | {"tpm_ak": value})
        self.add("tpm.ek.not-a-key", "tpm.ok", self.data(q, tpm_policy=pol) | {"tpm_ek": "x"})
        # An RSA-PSS AK signs with RSA-PSS: upstream refuses that scheme.
        qp = self.quote("rsa-pss", "sha256:15,16")
        self.add("tpm.ak.pss-signed-quote", "tpm.ak.pss",
                 self.data(qp, tpm_policy=self.pin(qp, [15])))

    def quote_strings(self):
        q = self.base
        pol = self.pin(q, [15])
        attest, sig, blob = q["parts"]
        enc = lambda a, s, p: tpm.quote_string(a, s, p)

        def flip(raw, at):
            raw = bytearray(raw)
            raw[at] ^= 0x01
            return bytes(raw)

        # TPMS_ATTEST: magic 4, type 2, qualifiedSigner TPM2B, extraData TPM2B, ...
        signer = int.from_bytes(attest[6:8], "big")
        extra_at = 8 + signer + 2
        blob_relabel = bytearray(blob)
        blob_relabel[7] ^= 0x80  # slot 0 select byte 0: PCR 7 added
        blob_relabel[8] ^= 0x80  # PCR 15 removed
        other = self.quote("rsa-sha256", "sha256:15,16")
        variants = [
            ("no-r-prefix", "tpm.quote.malformed", q["quote"][1:]),
            ("R-prefix", "tpm.quote.malformed", "R" + q["quote"][1:]),
            ("two-parts", "tpm.quote.malformed", q["quote"].rsplit(":", 1)[0]),
            ("fourth-part", "tpm.quote.extra-token", q["quote"] + ":AAAA"),
            ("empty-signature-part", "tpm.quote.malformed",
             "r%s::%s" % (b64(attest), b64(blob))),
            ("attest-not-base64", "tpm.quote.malformed", "r!!!!:%s:%s" % (b64(sig), b64(blob))),
            ("attest-extradata-flipped", "tpm.quote.signature-fails",
             enc(flip(attest, extra_at), sig, blob)),
            ("attest-last-byte-flipped", "tpm.quote.signature-fails",
             enc(flip(attest, len(attest) - 1), sig, blob)),
            ("signature-flipped", "tpm.quote.signature-fails", enc(attest, flip(sig, 20), blob)),
            ("signature-of-other-quote", "tpm.quote.signature-fails",
             enc(attest, other["parts"][1], blob)),
            ("pcr-value-flipped", "tpm.quote.pcr-digest", enc(attest, sig, flip(blob, 150))),
            ("pcr-blob-relabelled", "tpm.quote.pcr-relabel", enc(attest, sig, bytes(blob_relabel))),
            ("attest-trailing-byte", "tpm.quote.trailing", enc(attest + b"\0", sig, blob)),
            ("signature-trailing-byte", "tpm.quote.signature-trailing",
             enc(attest, sig + b"\0", blob)),
            ("pcr-blob-trailing-byte", "tpm.quote.trailing", enc(attest, sig, blob + b"\0")),
            ("pcr-blob-truncated", "tpm.quote.malformed", enc(attest, sig, blob[:-1])),
            ("attest-truncated", "tpm.quote.malformed", enc(attest[:-5], sig, blob)),
            ("base64-newline", "tpm.quote.base64-lenient",
             "r%s\n%s:%s:%s" % (b64(attest)[:20], b64(attest)[20:], b64(sig), b64(blob))),
            ("base64-unpadded", "tpm.quote.base64-lenient",
             "r%s:%s:%s" % (b64(attest).rstrip("="), b64(sig), b64(blob))),
        ]
        for label, group, quote in variants:
            self.add("tpm.quote." + label, group, self.data(q, tpm_policy=pol) | {"quote": quote})
        # A forged signature with only a runtime policy and no PCR 10 quoted.
        self.add("tpm.quote.signature-flipped.runtime-policy-only", "tpm.quote.signature-fails",
                 self.data(q, runtime_policy=json.dumps(self.allow_all(self.ima_m))) |
                 {"quote": enc(attest, flip(sig, 20), blob)})

    def ima(self):
        entries = self.ima_m
        allow = self.allow_all(entries)
        allow_s = json.dumps(allow)
        lst = tpm.ima_list(entries)
        tpol = None
        quotes = {ak: self.quote(ak, "%s:10,15" % AKS[ak][1])
                  for ak in ("rsa-sha256", "rsa-sha1", "ecc384-sha384", "rsa-sha512")}
        q = quotes["rsa-sha256"]
        for ak, qa in quotes.items():
            self.add("tpm.ima.%s.ok" % ak, "tpm.ima.ok",
                     self.data(qa, runtime_policy=allow_s, ima_measurement_list=lst))
        self.add("tpm.ima.with-tpm-policy-on-10-and-15", "tpm.ima.ok",
                 self.data(q, runtime_policy=allow_s, ima_measurement_list=lst,
                           tpm_policy=json.dumps({"15": [q["values"]["sha256"][15]]})))

        def variant(label, group, policy=allow, ima_list=lst, quote=q, **extra):
            pol = policy if isinstance(policy, str) or policy is None else json.dumps(policy)
            extra.setdefault("tpm_policy", tpol)
            self.add("tpm.ima." + label, group,
                     self.data(quote, runtime_policy=pol, ima_measurement_list=ima_list,
                               **extra))

        def without(path):
            p = copy.deepcopy(allow)
            del p["digests"][path]
            return p

        def wrong_hash(path):
            p = copy.deepcopy(allow)
            p["digests"][path] = ["ab" * 32]
            return p

        variant("not-in-policy", "tpm.ima.not-in-allowlist", without("/usr/bin/ls"))
        variant("hash-not-in-policy", "tpm.ima.hash-mismatch", wrong_hash("/usr/bin/ls"))
        variant("sha1-file-hash-wrong", "tpm.ima.hash-mismatch", wrong_hash(FILES[8]))
        p = without("/tmp/scratch/run.sh")
        p["excludes"] = ["/tmp/.*"]
        variant("excluded", "tpm.ima.ok", p)
        p = without("/var/log/evil.log")
        p["excludes"] = ["/var/log/[[:alpha:]]+\\.log"]
        variant("regex-posix-class", "tpm.ima.regex-dialect", p)
        p = without("/var/log/evil.log")
        p["excludes"] = ["\\Q/var/log/evil.log\\E"]
        variant("regex-quote-escape", "tpm.ima.regex-dialect", p)
        p = without("/var/log/evil.log")
        p["excludes"] = ["/var/log/(?<name>evil)\\.log"]
        variant("regex-named-group", "tpm.ima.regex-dialect", p)
        p = without("/var/log/evil.log")
        p["excludes"] = ["/var/log/evil\\.log", "(unclosed"]
        variant("regex-invalid-in-list", "tpm.ima.regex-invalid", p)
        # More excludes than one PCRE2 program holds; Python takes any number.
        many = ["/opt/app%d/.*" % i for i in range(3000)]
        many[1200:1202] = ["/p(", ")q"]  # only a regex joined: "(/p()|()q)"
        p = without("/var/log/evil.log")
        p["excludes"] = many + ["/var/log/.*"]
        variant("excludes-3000", "tpm.ima.ok", p)
        p = without("/var/log/evil.log")
        p["excludes"] = many + ["/var/log/(unclosed"]
        variant("excludes-3000-one-invalid", "tpm.ima.not-in-allowlist", p)
        p = without("/var/log/evil.log")
        p["excludes"] = ["/var/log/.*\\.log$"]
        variant("regex-dollar", "tpm.ima.ok", p)
        variant("no-runtime-policy", "tpm.ima.no-policy", None,
                tpm_policy=json.dumps({"15": [q["values"]["sha256"][15]]}))
        variant("empty-list", "tpm.ima.pcr-mismatch", ima_list="")
        variant("list-absent", "tpm.ima.pcr-mismatch", ima_list=None)
        variant("list-null", "tpm.ima.list-null", ima_list=None)
        self.cases[-1].body["data"]["ima_measurement_list"] = None
        variant("list-as-json-list", "tpm.ima.list-empty-json-list", ima_list=[])
        variant("list-as-json-list-of-lines", "tpm.ima.list-type", ima_list=lst.splitlines())
        variant("list-as-number", "tpm.ima.list-type", ima_list=5)
        variant("truncated", "tpm.ima.pcr-mismatch", ima_list=tpm.ima_list(entries[:self.mid]))
        variant("longer-than-quote", "tpm.ima.ok", quote=self.q_mid)
        variant("crlf", "tpm.ima.crlf", ima_list=tpm.ima_list(entries, "\r\n"))
        variant("no-final-newline", "tpm.ima.ok", ima_list=lst.rstrip("\n"))
        variant("blank-lines", "tpm.ima.ok", ima_list="\n" + lst.replace("\n", "\n\n"))
        lines = lst.splitlines()

        def edited(i, line):
            return "\n".join(lines[:i] + [line] + lines[i + 1:]) + "\n"

        ls_i = FILES.index("/usr/bin/ls") + 1
        sshd_i = FILES.index("/usr/sbin/sshd") + 1
        variant("unparsable-line", "tpm.ima.parser",
                ima_list=lst + "10 0000 ima-ng sha256:zz /x\n")
        variant("unknown-template", "tpm.ima.parser",
                ima_list=lst + "10 %s ima-modsig sha256:00 /x 00 00\n" % ("11" * 20))
        variant("template-hash-column-wrong", "tpm.ima.template-hash",
                ima_list=edited(ls_i, entries[ls_i].line(column="22" * 20)))
        variant("pcr-column-11", "tpm.ima.pcr-column",
                ima_list=edited(ls_i, entries[ls_i].line(pcr="11")))
        variant("zero-column-real-entry", "tpm.ima.zero-column",
                ima_list=edited(ls_i, entries[ls_i].line(column="00" * 20)))
        variant("ff-column.hash-right", "tpm.ima.ff-column",
                ima_list=edited(sshd_i, entries[sshd_i].line(column="ff" * 20)))
        variant("ff-column.hash-not-in-policy", "tpm.ima.ff-column",
                wrong_hash("/usr/sbin/sshd"),
                ima_list=edited(sshd_i, entries[sshd_i].line(column="ff" * 20)))
        variant("control.hash-not-in-policy", "tpm.ima.hash-mismatch",
                wrong_hash("/usr/sbin/sshd"))
        # Issue 12 item 4a: the long-path ima-ng entry re-labelled as legacy `ima`.
        long_i = len(entries) - 1
        data = entries[long_i].data
        # A legacy digest with an algorithm prefix may have any length upstream.
        relabel = "10 %s ima sha256:%s %s" % (entries[long_i].column(), data[:-256].hex(),
                                       data[-256:].rstrip(b"\0").decode())
        p = without(LONG_PATH)
        p["excludes"] = ["/tmp/.*"]
        variant("legacy-relabel-attack", "tpm.ima.legacy-relabel", p,
                ima_list=edited(long_i, relabel))
        variant("legacy-relabel-control", "tpm.ima.not-in-allowlist", p)
        # ima-buf keys and ignored keyrings
        p = copy.deepcopy(allow)
        p["keyrings"] = {}
        variant("keyring-not-in-policy", "tpm.ima.keyring", p)
        p["ima"]["ignored_keyrings"] = [".ima"]
        variant("keyring-ignored", "tpm.ima.ok", p)
        p = copy.deepcopy(allow)
        p["ima-buf"] = {}
        variant("ima-buf-not-in-policy", "tpm.ima.ima-buf", p)
        # boot_aggregate from the request's boot log
        p = without("boot_aggregate")
        variant("boot-aggregate-not-in-policy", "tpm.ima.not-in-allowlist", p)
        variant("boot-aggregate-from-mb-log.pcrs-not-quoted", "tpm.ima.boot-aggregate-log", p,
                mb_log=b64(self.log_m))
        qb = self.quote("rsa-sha256", "sha256:0,1,2,3,4,5,6,7,8,9,10,14")
        variant("boot-aggregate-from-mb-log.pcrs-quoted", "tpm.ima.ok", p, quote=qb,
                mb_log=b64(self.log_m))
        # the runtime policy document
        p = copy.deepcopy(allow)
        p["ima"]["log_hash_alg"] = "sha256"
        variant("log-hash-alg-sha256", "tpm.ima.template-hash", p)
        for key in ("meta", "digests", "excludes", "ima", "release", "keyrings", "ima-buf",
                    "verification-keys"):
            p = copy.deepcopy(allow)
            del p[key]
            optional = key in ("release", "keyrings", "ima-buf", "verification-keys")
            variant("policy-without-" + key, "tpm.runtime-policy." + (
                "missing-meta" if key == "meta" else
                "optional-key-missing" if optional else "missing-key"), p)
        p = copy.deepcopy(allow)
        p["digests"]["/usr/bin/ls"] = p["digests"]["/usr/bin/ls"][0]
        variant("policy-digest-string", "tpm.runtime-policy.digest-string", p)
        p = copy.deepcopy(allow)
        p["digests"]["/usr/bin/ls"] = p["digests"]["/usr/bin/ls"][0][:-6]
        variant("policy-digest-substring", "tpm.runtime-policy.digest-string", p)
        p = copy.deepcopy(allow)
        p["meta"]["version"] = 2
        variant("policy-version-2", "tpm.runtime-policy.version", p)
        p = copy.deepcopy(allow)
        p["unknown-key"] = 1
        variant("policy-unknown-key", "tpm.ima.ok", p)
        p = copy.deepcopy(allow)
        p["ima"]["dm_policy"] = {}
        variant("policy-dm-policy", "tpm.runtime-policy.dm-policy", p)
        envelope = {"payload": b64(allow_s.encode()), "payloadType":
                    "application/vnd.keylime+json", "signatures": []}
        variant("policy-dsse-unsigned", "tpm.ima.ok", envelope)
        variant("policy-not-json", "tpm.runtime-policy.not-json", "{not json")
        variant("policy-object-not-string", "tpm.runtime-policy.object", allow)
        self.cases[-1].body["data"]["runtime_policy"] = allow
        variant("policy-json-list", "tpm.runtime-policy.not-object", "[]")
        variant("policy-json-number", "tpm.runtime-policy.not-object", "5")
        variant("policy-number-not-string", "tpm.runtime-policy.wrong-type", "5")
        self.cases[-1].body["data"]["runtime_policy"] = 5
        # PCR 10 not quoted: the list is never checked (issue 13 item 2)
        variant("pcr10-not-quoted.list-fails-policy", "tpm.ima.pcr10-not-quoted",
                without("/usr/bin/ls"), quote=self.base)
        variant("pcr10-not-quoted.list-ok", "tpm.ima.pcr10-not-quoted-ok", quote=self.base)

    def measured_boot(self):
        boot = "sha256:0,1,2,3,4,5,6,7,8,9,14"
        q = self.quote("rsa-sha256", boot)
        log = b64(self.log_m)
        pol = self.refstate

        def mb(label, group, quote=q, **fields):
            d = self.data(quote)
            d.update(fields)  # None stays: it is sent as JSON null
            self.add("tpm.mb." + label, group, d)

        mb("ok", "tpm.mb.ok", mb_policy=pol, mb_log=log)
        mb("ok-ecc", "tpm.mb.ok", quote=self.quote("ecc-sha256", boot), mb_policy=pol,
           mb_log=log)
        mb("ok-with-tpm-policy", "tpm.mb.ok", mb_policy=pol, mb_log=log,
           tpm_policy=self.pin(q, [14]))
        mb("log-of-another-machine", "tpm.mb.pcr-mismatch", mb_policy=pol,
           mb_log=self.log_other_b64.replace("\n", ""))
        mb("log-base64-with-newlines", "tpm.mb.log-base64-lenient", mb_policy=pol,
           mb_log=self.log_other_b64)
        mb("log-bogus", "tpm.mb.log-bogus", mb_policy=pol, mb_log=b64(self.log_bogus))
        mb("log-empty", "tpm.mb.no-log", mb_policy=pol, mb_log="")
        mb("log-absent", "tpm.mb.no-log", mb_policy=pol)
        mb("log-null", "tpm.mb.log-null", mb_policy=pol, mb_log=None)
        mb("log-not-base64", "tpm.mb.log-not-base64", mb_policy=pol, mb_log="!!not base64!!")
        mb("log-truncated", "tpm.mb.log-bogus", mb_policy=pol, mb_log=b64(self.log_m[:-7]))
        mb("log-as-list", "tpm.mb.log-type", mb_policy=pol, mb_log=[log])
        mb("log-as-object", "tpm.mb.log-type", mb_policy=pol, mb_log={"log": log})
        mb("log-as-number", "tpm.mb.log-type", mb_policy=pol, mb_log=5)
        mb("log-without-mb-policy", "tpm.ok", mb_log=log, tpm_policy=self.pin(q, [14]))
        mb("policy-empty-json-object", "tpm.mb.policy-empty", mb_policy="{}", mb_log=log,
           tpm_policy=self.pin(q, [14]))
        mb("policy-empty-json-list", "tpm.mb.policy-empty", mb_policy="[]", mb_log=log,
           tpm_policy=self.pin(q, [14]))
        mb("policy-json-null", "tpm.mb.policy-null", mb_policy="null", mb_log=log,
           tpm_policy=self.pin(q, [14]))
        mb("policy-null", "tpm.mb.policy-null", mb_policy=None, mb_log=log,
           tpm_policy=self.pin(q, [14]))
        mb("policy-empty-list-value", "tpm.mb.policy-empty", mb_policy=[], mb_log=log,
           tpm_policy=self.pin(q, [14]))
        mb("policy-not-json", "tpm.mb.policy-not-json", mb_policy="{refstate", mb_log=log)
        mb("policy-json-string", "tpm.mb.policy-json-scalar", mb_policy='"anything"', mb_log=log)
        mb("policy-json-number", "tpm.mb.policy-json-scalar", mb_policy="5", mb_log=log)
        mb("policy-json-true", "tpm.mb.policy-json-scalar", mb_policy="true", mb_log=log)
        mb("policy-json-array", "tpm.mb.ok", mb_policy='[{"a": 1}]', mb_log=log)
        mb("policy-object-not-string", "tpm.mb.policy-object", mb_policy=json.loads(pol),
           mb_log=log)
        mb("policy-number", "tpm.mb.policy-type", mb_policy=5, mb_log=log)
        mb("policy-small-object", "tpm.mb.ok", mb_policy='{"a": 1}', mb_log=log)
        # PCR 15 holds random extends: a quoted 15 fails against the log.
        q15 = self.quote("rsa-sha256", "sha256:0,1,2,3,4,5,6,7,15")
        mb("quoted-pcr15-not-in-log", "tpm.mb.pcr-mismatch", quote=q15, mb_policy=pol,
           mb_log=log)
        q16 = self.quote("rsa-sha256", "sha256:16,23")
        mb("quote-without-boot-pcrs", "tpm.mb.boot-pcrs-not-quoted", quote=q16, mb_policy=pol,
           mb_log=log)
        q07 = self.quote("rsa-sha256", "sha256:0,1,2,3,4,5,6,7")
        mb("quote-pcrs-0-7", "tpm.mb.ok", quote=q07, mb_policy=pol, mb_log=log)
        q1 = self.quote("rsa-sha1", "sha1:0,1,2,3,4,5,6,7")
        mb("sha1-bank-log-has-no-sha1", "tpm.mb.bank-not-in-log", quote=q1, mb_policy=pol,
           mb_log=log)
        q384 = self.quote("ecc384-sha384", "sha384:0,1,2,3,4,5,6,7")
        mb("sha384-bank-log-has-no-sha384", "tpm.mb.bank-not-in-log", quote=q384,
           mb_policy=pol, mb_log=log)

    def boot_b_cases(self):
        """Boot B: a log with StartupLocality; the legacy `ima` template."""
        log = b64(self.log_b)
        for ak in ("rsa-sha256", "rsa-sha1"):
            bank = AKS[ak][1]
            q = self.quote(ak, "%s:0,1,2,3,4,5,6,7,16" % bank)
            self.add("tpm.mb-startup-locality.%s" % ak, "tpm.mb.startup-locality",
                     self.data(q, mb_policy=self.refstate, mb_log=log))
            self.add("tpm.mb-startup-locality.%s.no-mb-policy" % ak, "tpm.ok",
                     self.data(q, mb_log=log, tpm_policy=self.pin(q, [16])))
        legacy = self.ima_b[:self.ima_b_legacy]
        for ak in ("rsa-sha1", "rsa-sha256"):
            # The quote covers the whole history; the legacy-only list is a prefix.
            q = self.quote(ak, "%s:10,15" % AKS[ak][1])
            self.add("tpm.ima-legacy.%s.mixed-templates" % ak, "tpm.ima.mixed-templates",
                     self.data(q, runtime_policy=json.dumps(self.allow_all(self.ima_b)),
                               ima_measurement_list=tpm.ima_list(self.ima_b)))
            self.add("tpm.ima-legacy.%s.prefix" % ak, "tpm.ima.pcr-mismatch",
                     self.data(q, runtime_policy=json.dumps(self.allow_all(legacy)),
                               ima_measurement_list=tpm.ima_list(legacy)))
        # a history of legacy entries only: reboot once more
        self.tpm.reboot()
        self.tpm.extend([(10, e.extend_digests()) for e in legacy])
        for ak in ("rsa-sha1", "rsa-sha256"):
            q = self.quote(ak, "%s:10" % AKS[ak][1])
            self.add("tpm.ima-legacy.%s.ok" % ak, "tpm.ima.ok",
                     self.data(q, runtime_policy=json.dumps(self.allow_all(legacy)),
                               ima_measurement_list=tpm.ima_list(legacy)))
            p = self.allow_all(legacy)
            p["digests"][FILES[1]] = ["00" * 20]
            self.add("tpm.ima-legacy.%s.hash-mismatch" % ak, "tpm.ima.hash-mismatch",
                     self.data(q, runtime_policy=json.dumps(p),
                               ima_measurement_list=tpm.ima_list(legacy)))


def http_cases(tpm_body):
    """The envelope and the HTTP layer: top-level fields, bodies, paths, methods."""
    out = []

    def add(label, group, body, path=EVIDENCE, method="POST", content_type="application/json"):
        out.append(Case("http." + label, "http." + group, body, path=path, method=method,
                        content_type=content_type))

    add("type-missing", "type.missing", {"data": tpm_body["data"]})
    add("type-empty", "type.missing", {"type": "", "data": tpm_body["data"]})
    add("type-null", "type.null", {"type": None, "data": tpm_body["data"]})
    add("type-number", "type.wrong-type", {"type": 1, "data": tpm_body["data"]})
    add("type-uppercase", "type.unknown", {"type": "TPM", "data": tpm_body["data"]})
    add("type-unknown", "type.unknown", {"type": "sgx", "data": tpm_body["data"]})
    add("data-missing", "data.missing", {"type": "tpm"})
    add("data-empty", "data.missing", {"type": "tpm", "data": ""})
    add("data-null", "data.null", {"type": "tpm", "data": None})
    add("data-list", "data.wrong-type", {"type": "tpm", "data": []})
    add("data-string", "data.wrong-type", {"type": "tpm", "data": "x"})
    add("data-number", "data.wrong-type", {"type": "tpm", "data": 5})
    add("tee-data-list", "tee-data.wrong-type", {"type": "tee", "data": []})
    add("tee-data-number", "tee-data.wrong-type", {"type": "tee", "data": 5})
    add("body-not-json", "body.not-json", b"this is not json")
    add("body-not-json-text-plain", "body.not-json", b"this is not json",
        content_type="text/plain")
    add("body-empty", "body.empty", b"")
    add("body-json-list", "body.not-object", b"[]")
    add("body-json-string", "body.not-object", b'"tpm"')
    add("body-trailing-garbage", "body.trailing", json.dumps(tpm_body).encode() + b" x")
    add("body-duplicate-type", "body.duplicate-key",
        b'{"type": "sgx", "type": "tpm", "data": ' + json.dumps(tpm_body["data"]).encode() + b"}")
    add("body-nul-in-string", "body.nul", {"type": "tpm\u0000", "data": tpm_body["data"]})
    # Upstream serves its 2.x routes under /v2 and every 2.x version.
    for version in ("v2.0", "v2.1", "v2.2", "v2.3", "v2.4", "v2.5", "v2.6", "v2"):
        add("path-" + version, "path.supported", tpm_body, path="/%s/verify/evidence" % version)
    add("path-2.5", "path.no-v", tpm_body, path="/2.5/verify/evidence")
    for version in ("v1.0", "v1", "v2.7", "v3.0"):
        add("path-" + version, "path.other-version", tpm_body,
            path="/%s/verify/evidence" % version)
    # Issue 12 item 4: a %00 would end the path early.
    add("path-nul", "path.nul", tpm_body, path=EVIDENCE + "%00.evil")
    # Keylime's own client sends no client certificate (issue 12 item 12):
    # teev, by default, requires one.
    out.append(Case("http.anonymous-client", "http.anonymous", tpm_body, anonymous=True))
    add("method-get", "method.get", None, method="GET")
    add("method-put", "method.put", tpm_body, method="PUT")
    add("version", "version", None, path="/version", method="GET")
    return out
