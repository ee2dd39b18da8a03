#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: conflint contributors
# SPDX-License-Identifier: MIT OR Apache-2.0

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: conflint
short_description: Lint and fix Apache httpd, php.ini and gitlab.rb configuration with conflint
version_added: "0.1.0"
description:
  - Runs the C(conflint) binary on the managed host with C(--format json) and returns its findings.
  - With O(fix=true) it applies conflint's safe fixes (and unsafe ones with O(unsafe_fixes=true)) in place.
    The task is changed when a file changed; the unified diff from C(conflint --diff) is returned as the
    task diff (C(--diff) on the command line).
  - In check mode nothing is written; the diff shows what O(fix=true) would change.
  - The task fails when findings at or above O(fail_on) remain (after fixing), and always when conflint
    cannot run, a file cannot be read or does not parse.
  - C(conflint) itself must be installed on the managed host (the C(conflint.conflint.conflint) role installs
    the Debian package).
author:
  - conflint contributors (@conflint)
options:
  paths:
    description:
      - Files and directories to check, as on the command line (C(/etc/apache2), C(/etc/php/8.2/fpm/php.ini),
        C(/etc/gitlab/gitlab.rb), C(/etc/postfix)). Entry files (C(apache2.conf), C(httpd.conf), C(php.ini)) are read with
        everything they include; a C(main.cf) with the C(master.cf) beside it.
    type: list
    elements: path
    required: true
  fix:
    description: Apply the safe fixes in place (C(--fix)).
    type: bool
    default: false
  unsafe_fixes:
    description: With O(fix=true), also apply the fixes that change behaviour (C(--unsafe-fixes)).
    type: bool
    default: false
  select:
    description: Only these rules, codes or prefixes (C(HT), C(HT003)) (C(--select)).
    type: list
    elements: str
  ignore:
    description: Not these rules, codes or prefixes (C(--ignore)).
    type: list
    elements: str
  apache_version:
    description: The Apache version the tree is written for (default detected, else 2.4) (C(--apache-version)).
    type: str
    choices: ["2.2", "2.4"]
  server_root:
    description: Read httpd's ServerRoot (and absolute include paths under it) from this directory (C(--server-root)).
    type: path
  memory:
    description: RAM available to httpd, for MPM sizing, for example C(4GiB); enables rule HT005 (C(--memory)).
    type: str
  trusted_ips:
    description: Addresses or CIDRs that GitLab's Rack::Attack must never ban (C(--trusted-ip), repeated).
    type: list
    elements: str
    default: []
  config:
    description:
      - A C(conflint.toml) on the managed host (C(--config)). Without it conflint looks for the nearest
        C(conflint.toml) upward from O(chdir).
    type: path
  chdir:
    description:
      - The directory conflint runs in, which is where it starts looking for C(conflint.toml) and what
        relative O(paths) are relative to. Default C(/), so that no C(conflint.toml) is picked up by accident.
    type: path
  fail_on:
    description:
      - Fail the task when findings of this severity or higher remain (after fixing).
      - C(never) only reports them. In check mode with O(fix=true), findings that O(fix=true) would fix do
        not count.
    type: str
    choices: [error, warning, info, never]
    default: error
  skip_missing:
    description: Leave out O(paths) that do not exist on the host (listed in RV(skipped_paths)) instead of failing.
    type: bool
    default: false
  binary:
    description:
      - The conflint executable. Default C(conflint) on the PATH or in C(/usr/local/bin)
        (give the path of one that C(cargo install) put in C(~/.cargo/bin)).
    type: path
notes:
  - The per-file findings are conflint's stable JSON output (version 1); RV(report) is that document as it is.
  - To check a file before it is deployed, use C(validate:) of M(ansible.builtin.template) or M(ansible.builtin.copy)
    (see the collection's README); this module checks files already on the host.
attributes:
  check_mode:
    description: Nothing is written; with O(fix=true), the task reports (and diffs) what the fix would change.
    support: full
  diff_mode:
    description: With O(fix=true), the unified diff of the fix, as C(conflint --diff) prints it.
    support: full
"""

EXAMPLES = r"""
- name: Audit Apache and PHP, fail on errors
  conflint.conflint.conflint:
    paths: [/etc/apache2, /etc/php]
  register: audit

- name: Fix what is safe to fix, report the diff (run with --diff to see it)
  conflint.conflint.conflint:
    paths: [/etc/apache2]
    fix: true
    memory: 4GiB
    fail_on: warning

- name: GitLab must never ban the office or the load balancer
  conflint.conflint.conflint:
    paths: [/etc/gitlab/gitlab.rb]
    select: [GL]
    trusted_ips: [198.51.100.0/24, 10.0.0.10]
    fix: true
"""

RETURN = r"""
findings:
  description: The findings that remain (after fixing, when O(fix=true)), as conflint reports them in JSON.
  returned: always
  type: list
  elements: dict
  sample:
    - code: HT002
      name: server-signature
      severity: warning
      message: "`ServerSignature On` adds the server version (and host) to error pages; use `Off`"
      path: /etc/apache2/conf-enabled/security.conf
      line: 23
      column: 17
      end_line: 23
      end_column: 19
      fix: {applicability: safe, message: "set `ServerSignature Off`"}
summary:
  description: conflint's summary, C(files) checked, C(diagnostics) remaining, C(fixed) problems fixed.
  returned: always
  type: dict
  sample: {files: 3, diagnostics: 0, fixed: 3}
report:
  description: conflint's whole JSON document (version 1), for writing a report file.
  returned: always
  type: dict
counts:
  description: Remaining findings by severity.
  returned: always
  type: dict
  sample: {error: 0, warning: 2, info: 1}
failing:
  description: How many remaining findings are at or above O(fail_on) (in check mode with O(fix=true), not counting those the fix would remove).
  returned: always
  type: int
changed_files:
  description: The files O(fix=true) changed (in check mode, would change).
  returned: always
  type: list
  elements: str
skipped_paths:
  description: O(paths) left out because they do not exist (O(skip_missing=true)).
  returned: always
  type: list
  elements: str
cmd:
  description: The last conflint command run.
  returned: always
  type: list
  elements: str
exit_status:
  description:
    - Its exit status (0 clean, 1 findings, 2 unreadable input or a file that does not parse).
    - Not C(rc), which Ansible takes for failure when it is not 0.
  returned: always
  type: int
stderr:
  description: Its standard error.
  returned: always
  type: str
"""

import json
import os

from ansible.module_utils.basic import AnsibleModule

SEVERITY_RANK = {"info": 0, "warning": 1, "error": 2}


def common_args(params):
    """The options shared by the --diff, --fix and check runs."""
    args = []
    if params["select"]:
        args += ["--select", ",".join(params["select"])]
    if params["ignore"]:
        args += ["--ignore", ",".join(params["ignore"])]
    if params["apache_version"]:
        args += ["--apache-version", params["apache_version"]]
    if params["server_root"]:
        args += ["--server-root", params["server_root"]]
    if params["memory"]:
        args += ["--memory", params["memory"]]
    for address in params["trusted_ips"] or []:
        args += ["--trusted-ip", address]
    if params["config"]:
        args += ["--config", params["config"]]
    return args


def changed_files_of(diff):
    """The new-side paths of a unified diff with a/ b/ prefixes."""
    files = []
    for line in diff.splitlines():
        if line.startswith("+++ b/"):
            files.append(line[len("+++ b/"):])
    return files


def fixable(finding, unsafe):
    fix = finding.get("fix") or {}
    return fix.get("applicability") == "safe" or (unsafe and fix.get("applicability") == "unsafe")


def main():
    module = AnsibleModule(
        argument_spec=dict(
            paths=dict(type="list", elements="path", required=True),
            fix=dict(type="bool", default=False),
            unsafe_fixes=dict(type="bool", default=False),
            select=dict(type="list", elements="str"),
            ignore=dict(type="list", elements="str"),
            apache_version=dict(type="str", choices=["2.2", "2.4"]),
            server_root=dict(type="path"),
            memory=dict(type="str"),
            trusted_ips=dict(type="list", elements="str", default=[]),
            config=dict(type="path"),
            chdir=dict(type="path"),
            fail_on=dict(type="str", default="error", choices=["error", "warning", "info", "never"]),
            skip_missing=dict(type="bool", default=False),
            binary=dict(type="path"),
        ),
        supports_check_mode=True,
    )
    params = module.params
    binary = params["binary"] or module.get_bin_path("conflint", required=True, opt_dirs=["/usr/local/bin"])
    chdir = params["chdir"] or "/"

    paths, skipped = [], []
    for path in params["paths"]:
        absolute = path if os.path.isabs(path) else os.path.join(chdir, path)
        if params["skip_missing"] and not os.path.lexists(absolute):
            skipped.append(path)
        else:
            paths.append(path)

    result = dict(
        changed=False,
        findings=[],
        failing=0,
        summary=dict(files=0, diagnostics=0, fixed=0),
        report=dict(version=1, diagnostics=[], summary=dict(files=0, diagnostics=0, fixed=0)),
        counts=dict(error=0, warning=0, info=0),
        changed_files=[],
        skipped_paths=skipped,
        cmd=[],
        exit_status=0,
        stderr="",
    )
    if not paths:
        module.exit_json(**result)

    shared = common_args(params)
    env = dict(NO_COLOR="1", LC_ALL="C.UTF-8")

    def run(mode_args):
        cmd = [binary] + mode_args + shared + ["--"] + paths
        rc, out, err = module.run_command(cmd, cwd=chdir, environ_update=env, expand_user_and_vars=False)
        result.update(cmd=cmd, exit_status=rc, stderr=err)
        return rc, out, err

    diff = ""
    unsafe = params["unsafe_fixes"]
    if params["fix"]:
        # What --fix would do, as a unified diff: the task's diff and whether it changes anything.
        # Exit status 2 (a file that does not parse, a usage error) is reported by the JSON run below;
        # the other files are still fixed, as conflint --fix does.
        rc, diff, err = run(["--diff"] + (["--unsafe-fixes"] if unsafe else []))
        if rc not in (0, 1, 2):
            module.fail_json(msg="conflint --diff failed: %s" % (err.strip() or "exit status %d" % rc), **result)
        result["changed"] = bool(diff)
        result["changed_files"] = changed_files_of(diff)
        if module._diff and diff:
            result["diff"] = dict(prepared=diff)

    if params["fix"] and diff and not module.check_mode:
        rc, out, err = run(["--fix", "--format", "json"] + (["--unsafe-fixes"] if unsafe else []))
    else:
        rc, out, err = run(["--format", "json"])
    try:
        report = json.loads(out)
    except ValueError:
        module.fail_json(msg="conflint did not print a JSON report: %s" % (err.strip() or "exit status %d" % rc), **result)
    if not isinstance(report, dict) or report.get("version") != 1:
        module.fail_json(msg="conflint printed JSON of an unknown version: %r" % (report.get("version"),), **result)

    findings = report.get("diagnostics", [])
    result.update(report=report, findings=findings, summary=report.get("summary", result["summary"]))
    for finding in findings:
        severity = finding.get("severity")
        if severity in result["counts"]:
            result["counts"][severity] += 1

    threshold = params["fail_on"]
    # In check mode the files were not fixed: what --fix would remove does not count.
    would_remain = [
        f for f in findings if not (params["fix"] and module.check_mode and fixable(f, unsafe))
    ]
    broken = [f for f in findings if f.get("code") in ("CL001", "CL002") and f.get("severity") == "error"]
    at_threshold = []
    if threshold != "never":
        at_threshold = [
            f for f in would_remain if SEVERITY_RANK.get(f.get("severity"), 2) >= SEVERITY_RANK[threshold]
        ]
    result["failing"] = len(at_threshold)
    failing = at_threshold or broken
    if failing or rc not in (0, 1):
        first = failing[0] if failing else None
        where = "" if first is None else ": first %s:%s:%s: %s %s" % (
            first.get("path"), first.get("line"), first.get("column"), first.get("code"), first.get("message"))
        if broken and not at_threshold:
            msg = "conflint could not read or parse %d file(s)%s" % (len(broken), where)
        elif failing:
            msg = "conflint: %d finding(s) at or above '%s'%s" % (len(failing), threshold, where)
        else:
            msg = "conflint failed: %s" % (err.strip() or "exit status %d" % rc)
        module.fail_json(msg=msg, **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
