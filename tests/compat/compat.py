#!/usr/bin/python3
"""make compat: the same requests to upstream Keylime 7.14.3 and to teev.

Starts upstream's verifier (../shared/reference/keylime-7.14.3/run.sh) and
`teev serve`, sends both the shared golden cases and the generated ones
(cases.py), compares HTTP status, `valid`, the ordered failure ids and, when
both pass, the claims, and prints one table: every class of disagreement with
the README compatibility row that explains it (rules.py), or "unexplained".
Exit status: 0 when every disagreement is explained, 1 otherwise, 2 when the
harness itself could not run (or a rule names a README tag that does not exist).

Standard library only; run with Debian's /usr/bin/python3 (make compat does).
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # nothing written beside the sources
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import cases as casegen  # noqa: E402
import rules  # noqa: E402
from servers import Answer, StartRefused, Teev, Upstream  # noqa: E402

# Upstream's defaults, written out so that a restart with a variant's options
# never inherits the previous variant's.
UPSTREAM_DEFAULTS = {"measured_boot_policy_name": "accept-all",
                     "measured_boot_evaluate": "once",
                     "ignore_tomtou_errors": "False"}

# teev judges SEV-SNP reports against a stored policy; upstream has none. The
# most permissive policy teev accepts keeps the comparison about evidence.
PERMISSIVE_SNP = {"description": "make compat: accept any authentic report",
                  "allow_any_measurement": True, "allow_debug": True,
                  "allow_migrate_ma": True, "allow_smt": True}


def signature(a):
    if getattr(a, "refused", False):
        return "teev refused to start with this configuration"
    if a.status == 0:
        return "no answer (%s)" % (a.error or "connection failed")
    valid = {True: "true", False: "false", None: "-"}[a.valid()]
    ids = []  # runs of one id shown once, with a count
    for i in a.failure_ids():
        if ids and ids[-1][0] == i:
            ids[-1][1] += 1
        else:
            ids.append([i, 1])
    return "%d %s [%s]" % (a.status, valid, ", ".join(
        i if n == 1 else "%s x%d" % (i, n) for i, n in ids))


def claims_agree(up, tv):
    """Both passed: every claim upstream gives is in teev's answer, equal (teev
    may add its own beside them)."""
    uc, tc = up.claims(), tv.claims()
    if not isinstance(uc, dict) or not isinstance(tc, dict):
        return uc == tc
    return all(k in tc and tc[k] == v for k, v in uc.items())


class Result:
    def __init__(self, case, up, tv):
        self.case = case
        self.up = up
        self.tv = tv
        self.status = up.status == tv.status and up.status != 0
        self.valid = up.valid() == tv.valid()
        self.ids = up.failure_ids() == tv.failure_ids()
        self.claims = True
        if up.valid() is True and tv.valid() is True:
            self.claims = claims_agree(up, tv)
        self.agree = self.status and self.valid and self.ids and self.claims
        self.rule = None

    def key(self):
        return (self.case.group, signature(self.up), signature(self.tv),
                "" if self.claims else "claims differ")


def send(case, up_client, teev):
    """Upstream's client never presents a certificate; teev's does unless
    the case is anonymous."""
    body = case.payload()
    tv_client = teev.anonymous if case.anonymous else teev.client
    up = up_client.request(case.method, case.path, body, case.content_type)
    tv = tv_client.request(case.method, case.path, body, case.content_type)
    return up, tv


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.dirname(os.path.dirname(here))
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--teev", default=os.path.join(root, "build", "teev"))
    ap.add_argument("--snp-forge", default=os.path.join(root, "build", "snp-forge"))
    ap.add_argument("--shared", default=os.path.join(root, "..", "shared"))
    ap.add_argument("--readme", default=os.path.join(root, "README.md"))
    ap.add_argument("--out", default=os.path.join(root, "build", "compat"))
    ap.add_argument("--seed", type=int, default=12)
    ap.add_argument("--only", default="", help="run only cases whose name contains this")
    args = ap.parse_args()
    shared = os.path.abspath(args.shared)
    reference = os.path.join(shared, "reference", "keylime-7.14.3")
    started = time.monotonic()

    tags, problems, untagged = rules.readme_tags(args.readme)
    problems += rules.check(tags)
    if problems:
        for p in problems:
            print("make compat: " + p, file=sys.stderr)
        return 2

    out = os.path.abspath(args.out)
    shutil.rmtree(out, ignore_errors=True)
    for d in ("vcek", "vcek-offline", "swtpm", "keylime"):
        os.makedirs(os.path.join(out, d))
    vcek_dir = os.path.join(out, "vcek")
    forge_dir = os.path.join(out, "forge")
    subprocess.run([args.snp_forge, "fixture", "--out", forge_dir], check=True,
                   capture_output=True)

    print("make compat: generating requests (seed %d)..." % args.seed, flush=True)
    gen = casegen.Generator(shared, os.path.join(out, "swtpm"), args.seed)
    all_cases = casegen.golden_cases(shared)
    casegen.golden_vceks(shared, vcek_dir)
    tpm_cases = gen.tpm_cases()
    all_cases += tpm_cases
    all_cases += casegen.snp_cases(shared, forge_dir, vcek_dir,
                                   os.path.join(out, "vcek-offline"), gen.rng)
    all_cases += casegen.http_cases(next(c.body for c in tpm_cases if c.group == "tpm.ok"))
    if args.only:
        all_cases = [c for c in all_cases if args.only in c.name]
    generated = sum(1 for c in all_cases if not c.name.startswith("golden."))
    with open(os.path.join(out, "requests.json"), "w") as f:
        json.dump([{"name": c.name, "group": c.group, "target": c.target, "path": c.path,
                    "method": c.method, "body": (c.payload() or b"").decode(errors="replace")}
                   for c in all_cases], f, indent=1)
    gen_time = time.monotonic() - started

    upstream = Upstream(reference, os.path.join(out, "keylime"), vcek_dir)
    teevs = {}
    results = []
    try:
        print("make compat: starting upstream Keylime and teev...", flush=True)
        upstream.start(UPSTREAM_DEFAULTS)
        teevs["main"] = Teev(args.teev, os.path.join(out, "teev-main"))
        teevs["main"].start(["vcek_offline_dir = " + os.path.join(out, "vcek-offline")],
                            PERMISSIVE_SNP)
        teevs["forge"] = Teev(args.teev, os.path.join(out, "teev-forge"))
        teevs["forge"].start(["amd_root_dir = " + os.path.join(forge_dir, "amd")],
                             PERMISSIVE_SNP)
        send_start = time.monotonic()
        for case in (c for c in all_cases if not c.target.startswith("cfg:")):
            up, tv = send(case, upstream.client, teevs[case.target])
            results.append(Result(case, up, tv))
        for name, t in teevs.items():
            if not t.alive():
                print("make compat: teev (%s) is no longer running" % name, file=sys.stderr)
                return 2

        configs = casegen.golden_configs(shared)
        for key, config in configs.items():
            mine = [c for c in all_cases if c.target == "cfg:" + key]
            if not mine:
                continue
            upstream.stop()
            options = dict(UPSTREAM_DEFAULTS)
            options.update({k: str(v) for k, v in config.items()})
            upstream.start(options)
            t = Teev(args.teev, os.path.join(out, "teev-cfg-%d" % len(teevs)))
            teevs[key] = t
            try:
                t.start(["%s = %s" % kv for kv in sorted(config.items())])
            except StartRefused as e:
                for case in mine:
                    up = upstream.client.request(case.method, case.path, case.payload(),
                                                 case.content_type)
                    refused = Answer(0, b"", "teev refused this configuration: " + str(e))
                    refused.refused = True
                    results.append(Result(case, up, refused))
                continue
            for case in mine:
                results.append(Result(case, *send(case, upstream.client, t)))
        send_time = time.monotonic() - send_start
    finally:
        upstream.stop()
        for t in teevs.values():
            t.stop()

    for r in results:
        r.rule = rules.explain(r.case, r.up, r.tv)
    unexplained = report(results, tags, generated, gen_time, send_time,
                         time.monotonic() - started)
    for row in untagged:
        print("make compat: note: README compatibility row without a `compat:` tag: "
              + row[:100])
    with open(os.path.join(out, "results.json"), "w") as f:
        json.dump([{"name": r.case.name, "group": r.case.group, "agree": r.agree,
                    "keylime": signature(r.up), "teev": signature(r.tv),
                    "claims_agree": r.claims,
                    "rule": r.rule.tag if r.rule else None,
                    "keylime_body": r.up.body.decode(errors="replace")[:4000],
                    "teev_body": r.tv.body.decode(errors="replace")[:4000]}
                   for r in results], f, indent=1)
    return 1 if unexplained else 0


def cell(text):
    return text.replace("|", "\\|")


def report(results, tags, generated, gen_time, send_time, total):
    n = len(results)
    golden = n - generated
    count = lambda attr: sum(1 for r in results if getattr(r, attr))
    classes = {}
    for r in results:
        if not r.agree:
            classes.setdefault(r.key(), []).append(r)
    unexplained = 0
    rows = []
    for key, rs in sorted(classes.items(), key=lambda kv: kv[0]):
        rule = rs[0].rule
        # One class, one explanation: the rule must hold for every member.
        if any(r.rule is not rule for r in rs):
            rule = None
        if rule is None:
            why = "unexplained"
        elif rule.tag in tags:
            why = "README `compat:%s`" % rule.tag
        elif rule.tag:
            why = "unexplained (awaits %s: README row `compat:%s`)" % (rule.pending, rule.tag)
        else:
            why = "unexplained (awaits %s)" % rule.pending
        if not why.startswith("README"):
            unexplained += len(rs)
        names = ", ".join(r.case.name for r in rs[:2]) + (", ..." if len(rs) > 2 else "")
        rows.append("| %s | %d | %s | %s%s | %s | %s |" % (
            cell(key[0]), len(rs), cell(key[1]), cell(key[2]),
            " (%s)" % key[3] if key[3] else "", why, cell(names)))
    print()
    print("make compat: %d requests (%d golden, %d generated) to upstream Keylime 7.14.3 and "
          "teev; %.0f s (requests generated in %.0f s, sent in %.0f s)"
          % (n, golden, generated, total, gen_time, send_time))
    print("agreement: HTTP status %d/%d, valid %d/%d, failure ids %d/%d, claims %d/%d; "
          "all of them %d/%d" % (count("status"), n, count("valid"), n, count("ids"), n,
                                 count("claims"), n, count("agree"), n))
    print("disagreements: %d requests in %d classes, %d explained by a README row, "
          "%d unexplained" % (n - count("agree"), len(classes),
                              n - count("agree") - unexplained, unexplained))
    print()
    print("| group | n | Keylime: status valid [failure ids] | teev | explained by | cases |")
    print("|---|---|---|---|---|---|")
    for row in rows:
        print(row)
    print()
    return unexplained


if __name__ == "__main__":
    sys.exit(main())
