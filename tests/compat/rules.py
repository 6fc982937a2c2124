"""rules.py - which README compatibility row explains a disagreement.

Each row of README.md's "Compatibility with upstream Keylime" table starts with
a stable tag, `compat:NAME`. Each rule below names one tag and says, by the
request's group (cases.py) and by the two answers' status, `valid` and failure
ids, which disagreements that row covers. Nothing is matched on message text.
A rule whose tag is not in the README stops the harness (exit 2), unless the
rule is marked pending: a row another change is to add; its disagreements are
then counted as unexplained, with the change named.
"""

import re

SECTION = "## Compatibility with upstream Keylime"
# A row starts with one or more tags: | `compat:a` `compat:b` text | ...
TAGS = re.compile(r"^\|\s*((?:`compat:[a-z0-9][a-z0-9-]*`\s*)+)")
TAG = re.compile(r"`compat:([a-z0-9][a-z0-9-]*)`")


def readme_tags(path):
    """({tag: row}, [problems], [rows without a tag]) of the README's
    compatibility table."""
    tags, problems, untagged = {}, [], []
    inside = False
    with open(path) as f:
        for line in f:
            if line.startswith("## "):
                inside = line.strip() == SECTION
                continue
            if not inside or not line.startswith("|") or line.startswith("|---"):
                continue
            m = TAGS.match(line)
            if m:
                for tag in TAG.findall(m.group(1)):
                    if tag in tags:
                        problems.append("README tag compat:%s is used twice" % tag)
                    tags[tag] = line.strip()
            elif not line.startswith("| case |"):
                untagged.append(line.strip())
    if not tags:
        problems.append("no `compat:` tags in the README section %r" % SECTION)
    return tags, problems, untagged


class Rule:
    """groups: the case groups it covers (a trailing * matches a prefix); up and
    tv: predicates on upstream's and teev's answers. tag: the README row; pending:
    the change that is to add that row (or, with no tag, the change after which
    the disagreement is expected to go away)."""

    def __init__(self, tag, groups, up, tv, pending=None):
        self.tag = tag
        self.groups = groups
        self.up = up
        self.tv = tv
        self.pending = pending

    def matches(self, case, up, tv):
        in_group = any(case.group == g or (g.endswith("*") and case.group.startswith(g[:-1]))
                       for g in self.groups)
        return in_group and self.up(up) and self.tv(tv, up)


def check(tags):
    return ["rules.py names README tag compat:%s, which the README does not have" % r.tag
            for r in RULES if r.tag and r.tag not in tags and not r.pending]


def explain(case, up, tv):
    """The first rule that covers this disagreement, or None."""
    for rule in RULES:
        if rule.matches(case, up, tv):
            return rule
    return None


# ---- predicates on answers ----

def answer(status=None, valid="any", ids=None, has=None):
    """status: an int or a tuple of ints; valid: True, False, None or "any";
    ids: the exact failure ids; has: one id that must be among them."""
    statuses = (status,) if isinstance(status, int) else status

    def pred(a, _other=None):
        return ((statuses is None or a.status in statuses) and
                (valid == "any" or a.valid() is valid) and
                (ids is None or a.failure_ids() == list(ids)) and
                (has is None or has in a.failure_ids()))
    return pred


def either(*preds):
    return lambda a, other=None: any(p(a, other) for p in preds)


ANY = answer()
PASS = answer(200, True, [])
BAD_PARAM = answer(400, False, ["default.invalid_param"])
QUOTE_FAILS = answer(200, False, ["qoute_validation.quote_validation"])
BAD_QUOTE = answer(200, False, ["qoute_validation.invalid_quote"])
# Upstream's answer to a quote whose signature does not verify (KEYLIME-TPM.md 0.1).
FORGED_ACCEPTED = either(PASS, answer(200, False, ["pcr_validation.missing_pcrs"]))
TEE_BAD_INPUT = answer(400, False, ["tee_attestation.invalid_input"])


def teev_adds_pcr0(tv, up):
    """teev's ids are upstream's with measured_boot.invalid_pcr_0 added (the
    StartupLocality replay)."""
    ids = tv.failure_ids()
    return (tv.status == 200 and up.status == 200 and "measured_boot.invalid_pcr_0" in ids and
            "measured_boot.invalid_pcr_0" not in up.failure_ids() and
            [i for i in ids if i != "measured_boot.invalid_pcr_0"] == up.failure_ids())


def ids_besides_pcr0(ids):
    """teev's answer, apart from measured_boot.invalid_pcr_0 (the
    StartupLocality replay of the recorded logs), has exactly these ids."""
    def pred(a, _other=None):
        return (a.status == 200 and a.valid() is False and
                [i for i in a.failure_ids() if i != "measured_boot.invalid_pcr_0"] == list(ids))
    return pred


def only_invalid_pcrs(a, _other=None):
    """200, valid: false, every failure a pcr_validation.invalid_pcr_N."""
    ids = a.failure_ids()
    return (a.status == 200 and a.valid() is False and bool(ids) and
            all(i.startswith("pcr_validation.invalid_pcr_") for i in ids))


def only_envelope_differs(tv, up):
    """Same status, upstream's results carry no verdict, teev's carry valid:
    false and failures (issue 12 item 10)."""
    return tv.status == up.status >= 400 and up.valid() is None and tv.valid() is False


def refused(tv, _up=None):
    return getattr(tv, "refused", False)


def turin_tcb_claims(tv, up):
    uc, tc = up.claims() or {}, tv.claims() or {}
    differ = {k for k, v in uc.items() if tc.get(k) != v}
    return PASS(tv) and differ and differ <= {"reported_tcb_bootloader", "reported_tcb_tee",
                                               "reported_tcb_snp", "reported_tcb_microcode"}


def tv(pred):
    """A plain predicate used for teev's side (which also sees upstream's answer)."""
    return lambda a, _up=None: pred(a)


GOLDEN_SIG_ALGO_0 = ["golden.tee.snp_ok_with_mocked_kds", "golden.tee.snp_freshness_fail",
                     "golden.tee.snp_bad_signature", "golden.tee.snp_wrong_nonce"]
GOLDEN_STARTUP_LOCALITY = ["golden.tpm.mb_ok_nonempty_policy_accept_all",
                           "golden.tpm.mb_nonempty_policy_ok",
                           "golden.tpm.mb_example_refstate_policy", "golden.variant.*",
                           "tpm.mb.startup-locality"]

RULES = [
    Rule("snp-sig-algo-0", GOLDEN_SIG_ALGO_0, ANY,
         tv(answer(200, False, ["tee_attestation.report_format"]))),
    Rule("tee-unknown", ["golden.tee.tee_invalid_tee", "snp.tee.unsupported"],
         answer(200, False, ["tee_attestation.invalid.tee"]),
         tv(answer(400, False, ["tee_attestation.invalid.tee"]))),
    Rule("tee-tdx", ["snp.tee.tdx"], answer(200, False, ["tee_attestation.invalid.tee"]),
         tv(answer(400, False, ["tee_attestation.invalid.tee"]))),
    Rule("snp-report-length", ["golden.tee.tee_short_report", "snp.report.short"],
         answer(200, False, ["tee_attestation.invalid_input"]), tv(TEE_BAD_INPUT)),
    Rule("snp-nonce-not-base64", ["golden.tee.tee_nonce_not_base64", "snp.nonce.not-base64"],
         either(answer(500), answer(200, False, ["tee_attestation.vcek_fetch"]),
                answer(200, False, ["tee_attestation.freshness_hash_failed"])),
         tv(TEE_BAD_INPUT)),
    Rule("snp-zero-report", ["golden.tee.tee_kds_unreachable"],
         either(answer(500), answer(200, False, ["tee_attestation.vcek_fetch"])),
         tv(answer(200, False, ["tee_attestation.report_version"]))),
    Rule("body-not-json", ["golden.tpm.body_not_json", "http.body.not-json", "http.body.empty",
                           "http.body.trailing"],
         answer((400, 500), None), tv(answer(400))),
    Rule("json-strict", ["http.body.duplicate-key", "http.body.nul"], ANY, tv(answer(400))),
    Rule("snp-chain", ["snp.forged.ok.vlek", "snp.real.fresh-nonce.vlek"],
         answer(200, False, ["tee_attestation.vcek_fetch"]), tv(answer(200))),
    Rule("snp-bad-input", ["snp.field.wrong-type", "http.tee-data.wrong-type", "snp.report.long",
                           "snp.report.not-base64", "snp.pubkey.*"],
         either(answer(500), answer(400, False, ["tee_attestation.missing_param"]),
                answer(200)),
         tv(TEE_BAD_INPUT)),
    Rule("snp-certs-buf-strict", ["snp.certs-buf.garbage"], PASS, tv(TEE_BAD_INPUT)),
    Rule("snp-turin-tcb", ["snp.forged.ok.turin"], PASS, turin_tcb_claims),
    Rule("tpm-forged-quote-runtime", ["golden.tpm.UPSTREAM_BUG_bad_signature_runtime_policy_only",
                                      "tpm.quote.signature-fails"],
         PASS, tv(QUOTE_FAILS)),
    Rule("tpm-forged-quote", ["golden.tpm.UPSTREAM_BUG_bad_signature_with_pcr_policy",
                              "tpm.quote.signature-fails", "tpm.quote.trailing",
                              "tpm.quote.malformed", "tpm.ak.other-key"],
         FORGED_ACCEPTED, tv(either(QUOTE_FAILS, BAD_QUOTE))),
    Rule("tpm-pcr-blob-selection", ["tpm.quote.pcr-relabel"], FORGED_ACCEPTED, tv(QUOTE_FAILS)),
    Rule("tpm-multi-bank", ["tpm.bank.multi"], only_invalid_pcrs, tv(PASS)),
    Rule("tpm-data-not-object", ["golden.tpm.data_number", "http.data.null",
                                 "http.data.wrong-type"],
         either(answer(500), answer(400, False, ["default.missing_param"])), tv(BAD_PARAM)),
    Rule("tpm-field-type", ["tpm.field.null", "tpm.field.wrong-type"], ANY, tv(BAD_PARAM)),
    Rule("tpm-strict-base64", ["tpm.nonce.base64-lenient", "tpm.quote.base64-lenient",
                               "tpm.ak.base64-lenient"], PASS, tv(either(QUOTE_FAILS, BAD_QUOTE))),
    Rule("tpm-signature-trailing-byte", ["tpm.quote.signature-trailing"], PASS, tv(QUOTE_FAILS)),
    Rule("tpm-policy-pcr10", ["tpm.pcr-policy.pcr10",
                              "golden.tpm.ima_ok_with_tpm_policy_on_pcr10_ignored",
                              "golden.tpm.UPSTREAM_WEAKNESS_pcrblob_selection_not_checked"],
         ANY, tv(BAD_PARAM)),
    Rule("tpm-policy-values", ["tpm.pcr-policy.value-type", "tpm.pcr-policy.value-string",
                               "tpm.pcr-policy.key-range", "tpm.pcr-policy.mismatch",
                               "tpm.pcr-policy.missing-pcr", "tpm.pcr-policy.uppercase",
                               "tpm.pcr-policy.key-spelling"],
         answer(200), tv(BAD_PARAM)),
    Rule("runtime-policy-not-json", ["golden.tpm.runtime_policy_invalid_json",
                                     "golden.tpm.runtime_policy_as_object_not_string",
                                     "tpm.runtime-policy.not-json", "tpm.runtime-policy.not-object",
                                     "tpm.runtime-policy.object", "tpm.runtime-policy.wrong-type"],
         answer(500), tv(BAD_PARAM)),
    Rule("runtime-policy-schema", ["tpm.runtime-policy.version", "tpm.runtime-policy.dm-policy",
                                   "tpm.runtime-policy.missing-meta"],
         answer(200), tv(BAD_PARAM)),
    Rule("runtime-policy-required-keys", ["tpm.runtime-policy.missing-key"], answer(200),
         tv(BAD_PARAM)),
    Rule("runtime-policy-required-keys", ["tpm.runtime-policy.optional-key-missing"], BAD_QUOTE,
         tv(answer(200, False))),
    Rule("runtime-policy-digest-string", ["tpm.runtime-policy.digest-string"], answer(200),
         tv(BAD_PARAM)),
    Rule("ima-ff-column", ["tpm.ima.ff-column"], PASS,
         tv(answer(200, False, has="ima.validation.ima_hash"))),
    Rule("ima-legacy-template", ["tpm.ima.legacy-relabel", "tpm.ima.mixed-templates"], PASS,
         tv(either(answer(200, False, has="ima.parser.entry"),
                   answer(200, False, has="ima.validation.ima_template")))),
    Rule("ima-regex-dialect", ["tpm.ima.regex-dialect"], answer(200, False), tv(BAD_PARAM)),
    Rule("ima-pcr10-not-quoted", ["tpm.ima.pcr10-not-quoted", "tpm.ima.pcr10-not-quoted-ok",
                                  "golden.tpm.ima_runtime_policy_without_pcr10_in_quote"],
         PASS, tv(answer(200, False, ["ima.missing_pcr_10"]))),
    Rule("ima-boot-aggregate-log", ["tpm.ima.boot-aggregate-log"], PASS,
         tv(answer(200, False, has="ima.validation.ima-ng.not_in_allowlist"))),
    Rule("ima-list-empty-json-list", ["tpm.ima.list-empty-json-list"], BAD_QUOTE,
         tv(answer(200, False, ["ima.pcr_mismatch"]))),
    Rule("mb-startup-locality", GOLDEN_STARTUP_LOCALITY, ANY, teev_adds_pcr0),
    Rule("mb-example-always",
         ["golden.variant.measured_boot_evaluate=always,measured_boot_policy_name=example.*"],
         ANY, refused),
    Rule("mb-boot-pcrs-required", ["tpm.mb.boot-pcrs-not-quoted", "golden.variant.*"], PASS,
         tv(ids_besides_pcr0(["measured_boot.missing_pcrs"]))),
    Rule("mb-log-type", ["tpm.mb.log-type"], BAD_QUOTE, tv(BAD_PARAM)),
    Rule("mb-policy-not-object", ["tpm.mb.policy-json-scalar"], answer(200),
         tv(answer(200, False, ["pcr_validation.invalid_mb_policy"]))),
    Rule("mb-policy-object", ["tpm.mb.policy-object"],
         answer(200, False, ["pcr_validation.invalid_mb_policy"]), tv(answer(200))),
    Rule("api-version-unsupported", ["http.path.other-version"], answer((404, 500)),
         tv(answer(400, False, ["default.unsupported_version"]))),
    Rule("api-version-no-v", ["http.path.no-v"], answer(404), tv(answer(200))),
    Rule("path-nul", ["http.path.nul"], answer(404),
         tv(answer(400, False, ["default.invalid_path"]))),
    Rule("tls-client-cert", ["http.anonymous"], answer(200),
         tv(answer(401, False, ["default.client_certificate_required"]))),
    # Last: any route's error answered with teev's full results (issue 12 item 10).
    Rule("error-envelope", ["*"], ANY, only_envelope_differs),
]
