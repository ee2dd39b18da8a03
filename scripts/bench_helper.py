#!/usr/bin/env python3
"""Helper of scripts/bench: builds the fleet, times commands, writes BENCHMARKS.md.

Subcommands (scripts/bench calls them; they are not meant to be used alone):

  build    lay out the fleet (full and half sizes) from ../shared/corpus
  machine  describe the machine and the conflint build (JSON)
  measure  run a command N times: wall time, CPU time and peak RSS of each run
  report   print the table and write BENCHMARKS.md

Timing: each run is started with posix_spawn and reaped with wait4(2), the
call GNU time uses. Wall time is measured from just before the spawn to the
return of wait4 (process start to exit); CPU time is ru_utime + ru_stime and
peak RSS is ru_maxrss of the process and every descendant it waited for (a
shell pipeline's largest process). Before every timed run the measured files
are read once with cat, so every run starts with a warm page cache.
"""

import argparse
import hashlib
import json
import os
import platform
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# Files under corpus/apache that are not httpd syntax, as tests/httpd_corpus.rs
# lists them; with licenses, notices and SOURCE.md, everything else (173
# files) is httpd configuration.
NOT_HTTPD = {
    "certbot/testdata/centos7_apache/apache/httpd/conf/magic",
    "certbot/testdata/gentoo_apache/apache/apache2/magic",
    "certbot/testdata/centos7_apache/apache/sysconfig/httpd",
    "certbot/testdata/gentoo_apache/apache/conf.d/apache2",
    "certbot/testdata/debian_apache_2_4/augeas_vhosts/apache2/envvars",
    "certbot/testdata/debian_apache_2_4/default_vhost/apache2/envvars",
    "certbot/testdata/debian_apache_2_4/multi_vhosts/apache2/envvars",
    "certbot/testdata/debian_apache_2_4/multiple_vhosts/apache2/envvars",
}

# The pathological inputs (one file each), built at the size (half) and twice it (full).
STRESS = ("httpd-long-line", "httpd-nested", "php-lines", "php-long-line", "httpd-suppressions")

MB = 1_000_000  # throughput and sizes are in decimal megabytes (MB/s)

# ---------------------------------------------------------------------------
# build
# ---------------------------------------------------------------------------


def httpd_corpus_files(apache: Path):
    """The 173 httpd-syntax files of corpus/apache, relative, sorted by bytes."""
    out = []
    for dirpath, dirnames, filenames in os.walk(apache):
        dirnames.sort()
        for name in filenames:
            if name.startswith(("LICENSE", "NOTICE")) or name == "SOURCE.md":
                continue
            rel = os.path.relpath(os.path.join(dirpath, name), apache)
            if rel not in NOT_HTTPD:
                out.append(rel)
    return sorted(out, key=lambda s: s.encode())


def flat_name(index, rel):
    """A unique name, in one directory, that ends in .conf (for FLEET/*/*.conf)."""
    base = os.path.basename(rel)
    if not base.endswith(".conf"):
        base += ".conf"
    return f"{index:03d}-{base}"


def fingerprint(paths):
    h = hashlib.sha256()
    for p in paths:
        h.update(str(p).encode())
        h.update(Path(p).read_bytes())
    return h.hexdigest()[:16]


def tree_stats(root):
    files = size = 0
    for dirpath, _, filenames in os.walk(root, followlinks=True):
        for name in filenames:
            p = os.path.join(dirpath, name)
            try:
                st = os.stat(p)
            except OSError:
                continue
            if os.path.isfile(p):
                files += 1
                size += st.st_size
    return files, size


def cmd_build(a):
    corpus = Path(a.corpus)
    apache = corpus / "apache"
    php_ini = corpus / "php" / "php.ini-production"
    gitlab_rb = corpus / "gitlab" / "gitlab.rb.template"
    for p in (apache, php_ini, gitlab_rb):
        if not p.exists():
            sys.exit(f"bench: {p} is missing; the benchmark builds its fleet from ../shared/corpus")
    httpd_files = httpd_corpus_files(apache)
    sources = [apache / r for r in httpd_files] + [php_ini, gitlab_rb]
    params = {
        "httpd_hosts": a.httpd_hosts,
        "php_hosts": a.php_hosts,
        "gitlab_hosts": a.gitlab_hosts,
        "augtool_hosts": a.augtool_hosts,
        "stress_scale": a.stress_scale,
        "corpus": fingerprint(sources),
        "layout": 4,
    }
    base = Path(a.dir)
    manifest_path = base / "fleet.json"
    if manifest_path.exists():
        old = json.loads(manifest_path.read_text())
        if old.get("params") == params:
            print(f"bench: reusing the fleet in {base}", file=sys.stderr)
            return
    for sub in ("full", "half", "augsub"):
        shutil.rmtree(base / sub, ignore_errors=True)
    manifest_path.unlink(missing_ok=True)
    full = base / "full"
    t0 = time.perf_counter()
    contents = {r: (apache / r).read_bytes() for r in httpd_files}

    def host_dirs(kind, n):
        width = max(3, len(str(n)))
        return [f"host{i:0{width}d}" for i in range(1, n + 1)]

    # httpd: each host has its own copy of the tree (distinct inodes, so the
    # page cache holds 200 copies as a real checkout would); the flat layout
    # is hard links to the same files, so both layouts are the same bytes.
    httpd_hosts = host_dirs("httpd", a.httpd_hosts)
    for host in httpd_hosts:
        tree = full / "httpd" / host
        flat = full / "httpd-flat" / host
        flat.mkdir(parents=True)
        for i, rel in enumerate(httpd_files, 1):
            dst = tree / rel
            dst.parent.mkdir(parents=True, exist_ok=True)
            dst.write_bytes(contents[rel])
            os.link(dst, flat / flat_name(i, rel))
    php_bytes = php_ini.read_bytes()
    php_hosts = host_dirs("php", a.php_hosts)
    for host in php_hosts:
        d = full / "php" / host
        d.mkdir(parents=True)
        (d / "php.ini").write_bytes(php_bytes)
    gitlab_bytes = gitlab_rb.read_bytes()
    gitlab_hosts = host_dirs("gitlab", a.gitlab_hosts)
    for host in gitlab_hosts:
        d = full / "gitlab" / host
        d.mkdir(parents=True)
        (d / "gitlab.rb").write_bytes(gitlab_bytes)

    def link_hosts(dataset, hosts, dest):
        for host in hosts:
            src_root = full / dataset / host
            for dirpath, _, filenames in os.walk(src_root):
                rel = os.path.relpath(dirpath, src_root)
                out = dest / dataset / host / rel
                out.mkdir(parents=True, exist_ok=True)
                for name in filenames:
                    os.link(os.path.join(dirpath, name), out / name)

    # half: the first half of the hosts, hard links into full.
    for dataset, hosts in (
        ("httpd", httpd_hosts),
        ("httpd-flat", httpd_hosts),
        ("php", php_hosts),
        ("gitlab", gitlab_hosts),
    ):
        link_hosts(dataset, hosts[: max(1, len(hosts) // 2)], base / "half")
    if 0 < a.augtool_hosts < a.httpd_hosts:
        link_hosts("httpd-flat", httpd_hosts[: a.augtool_hosts], base / "augsub")
    # Pathological single inputs of the issue, at its sizes (half) and twice
    # them (full): a 5 MB line, 20,000 nested sections, a 300,000-line php.ini;
    # and many suppression comments.
    php_lines = php_bytes.decode("utf-8", "replace").splitlines(True)
    for size, k in (("half", 1), ("full", 2)):
        n = max(1, round(k * a.stress_scale * 1_000_000)) / 1_000_000

        def put(dataset, rel, text):
            path = base / size / dataset / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)

        put("httpd-long-line", "apache2/conf.d/long.conf", 'Header set X-Long "' + "a" * int(5_000_000 * n) + '"\n')
        depth = int(20_000 * n)
        put(
            "httpd-nested",
            "apache2/conf.d/nested.conf",
            "".join(f"<IfModule mod_{i}.c>\n" for i in range(depth)) + "ServerTokens Prod\n" + "</IfModule>\n" * depth,
        )
        lines, want = [], int(300_000 * n)
        while len(lines) < want:
            lines.extend(php_lines)
        put("php-lines", "php/php.ini", "".join(lines[:want]))
        put("php-long-line", "php/php.ini", 'error_log = "' + "b" * int(5_000_000 * n) + '"\n')
        # Suppression comments, half of them silencing a finding, half unused (CL100).
        pairs = int(2_500 * n)
        put(
            "httpd-suppressions",
            "apache2/conf.d/suppressed.conf",
            "# conflint: ignore[HT006]\nOrder allow,deny\n# conflint: ignore[HT001]\nKeepAlive On\n" * pairs,
        )
    datasets = {}
    for size in ("full", "half", "augsub"):
        for dataset in ("httpd", "httpd-flat", "php", "gitlab", *STRESS):
            root = base / size / dataset
            if root.is_dir():
                files, nbytes = tree_stats(root)
                hosts = len(os.listdir(root))
                datasets[f"{dataset}/{size}"] = {"root": str(root), "files": files, "bytes": nbytes, "hosts": hosts}
    manifest = {
        "params": params,
        "httpd_files_per_host": len(httpd_files),
        "httpd_bytes_per_host": sum(len(c) for c in contents.values()),
        "datasets": datasets,
        "build_seconds": round(time.perf_counter() - t0, 1),
    }
    manifest_path.write_text(json.dumps(manifest, indent=2))
    d = datasets
    print(
        "bench: fleet built in {:.0f} s: httpd {} hosts, {} files, {:.1f} MB; php.ini {} files, {:.1f} MB;"
        " gitlab.rb {} files, {:.1f} MB".format(
            manifest["build_seconds"],
            d["httpd/full"]["hosts"],
            d["httpd/full"]["files"],
            d["httpd/full"]["bytes"] / MB,
            d["php/full"]["files"],
            d["php/full"]["bytes"] / MB,
            d["gitlab/full"]["files"],
            d["gitlab/full"]["bytes"] / MB,
        ),
        file=sys.stderr,
    )


# ---------------------------------------------------------------------------
# machine
# ---------------------------------------------------------------------------


def first_line(cmd):
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
        text = (out.stdout or out.stderr).strip()
        return text.splitlines()[0] if text else ""
    except (OSError, subprocess.TimeoutExpired):
        return ""


def cmd_machine(a):
    cpu = ""
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_kb = 0
    try:
        for line in open("/proc/meminfo"):
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
    except OSError:
        pass
    os_name = ""
    try:
        for line in open("/etc/os-release"):
            if line.startswith("PRETTY_NAME="):
                os_name = line.split("=", 1)[1].strip().strip('"')
    except OSError:
        pass
    repo = a.repo
    rev = a.rev or "HEAD"
    commit = first_line(["git", "-C", repo, "rev-parse", "--short=12", rev])
    subject = first_line(["git", "-C", repo, "log", "-1", "--format=%s", rev])
    dirty = ""
    if not a.rev:
        dirty = subprocess.run(
            ["git", "-C", repo, "status", "--porcelain", "--", "src", "crates", "grammars", "Cargo.toml", "Cargo.lock"],
            capture_output=True,
            text=True,
        ).stdout.strip()
    info = {
        "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "nproc": os.cpu_count(),
        "nproc_online": first_line(["nproc"]),
        "cpu": cpu,
        "ram_gib": round(mem_kb / 1024 / 1024, 1),
        "kernel": platform.release(),
        "os": os_name,
        "load_start": os.getloadavg(),
        "commit": commit,
        "commit_subject": subject,
        "dirty": bool(dirty),
        "binary": a.binary,
        "binary_note": a.binary_note,
        "conflint_version": first_line([a.binary, "--version"]),
        "rustc": first_line(["rustc", "--version"]),
        "augtool": first_line(["augtool", "--version"]),
        "php": first_line(["php", "-n", "--version"]),
        "ruby": first_line(["ruby", "--version"]),
        "hyperfine": first_line(["hyperfine", "--version"]),
        "scale": a.scale,
        "runs": a.runs,
    }
    Path(a.out).write_text(json.dumps(info, indent=2))


# ---------------------------------------------------------------------------
# measure
# ---------------------------------------------------------------------------


GNU_TIME = "/usr/bin/time"


def spawn_wait(argv, stdout, stderr, rss=True):
    """Run argv; return (wall seconds, cpu seconds, peak RSS KiB or None, exit code).

    Peak RSS comes from GNU time's %M: a process spawned straight from Python
    inherits the interpreter's resident size as its ru_maxrss (Linux carries the
    high-water mark of the memory it had before exec), so the measured command
    must be forked by a small process; GNU time is that process. Without it,
    peak RSS is not measured."""
    rss_file = None
    if rss and os.access(GNU_TIME, os.X_OK):
        fd, rss_file = tempfile.mkstemp(prefix="bench-rss-")
        os.close(fd)
        argv = [GNU_TIME, "-q", "-f", "%M", "-o", rss_file, *argv]
    actions = [
        (os.POSIX_SPAWN_OPEN, 0, "/dev/null", os.O_RDONLY, 0),
        (os.POSIX_SPAWN_OPEN, 1, stdout, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644),
        (os.POSIX_SPAWN_OPEN, 2, stderr, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644),
    ]
    t0 = time.perf_counter()
    pid = os.posix_spawnp(argv[0], argv, os.environ, file_actions=actions)
    _, status, ru = os.wait4(pid, 0)
    wall = time.perf_counter() - t0
    peak = None
    if rss_file:
        try:
            text = Path(rss_file).read_text().split()
            peak = int(text[-1]) if text else None
        except (OSError, ValueError):
            peak = None
        os.unlink(rss_file)
    return wall, ru.ru_utime + ru.ru_stime, peak, os.waitstatus_to_exitcode(status)


def warm(dirs):
    """Read every file once (cat), so the timed run starts with a warm cache."""
    if not dirs:
        return
    subprocess.run(
        ["bash", "-c", 'find -L "$@" -type f -print0 | xargs -0 -r cat > /dev/null', "warm", *dirs],
        check=False,
    )


def parse_outputs(kind, stdout, stderr):
    extra = {}
    if kind == "conflint":
        try:
            data = json.loads(Path(stdout).read_text())
            extra["checked_files"] = data["summary"]["files"]
            extra["diagnostics"] = data["summary"]["diagnostics"]
            codes = {}
            for d in data["diagnostics"]:
                codes[d["code"]] = codes.get(d["code"], 0) + 1
            extra["codes"] = dict(sorted(codes.items()))
        except (OSError, ValueError, KeyError) as e:
            extra["error"] = f"output is not conflint JSON: {e}"
    elif kind == "augtool":
        lines = [l for l in Path(stdout).read_text(errors="replace").splitlines() if l.strip()]
        extra["error_files"] = sum(1 for l in lines if "/error" in l)
        extra["sample"] = lines[:3]
    elif kind == "php":
        m = re.search(r"files=(\d+) internal=([0-9.]+)", Path(stderr).read_text(errors="replace"))
        if m:
            extra["checked_files"] = int(m.group(1))
            extra["internal_seconds"] = float(m.group(2))
    elif kind == "ruby":
        m = re.search(r"files=(\d+) internal=([0-9.]+)", Path(stderr).read_text(errors="replace"))
        if m:
            extra["checked_files"] = int(m.group(1))
            extra["internal_seconds"] = float(m.group(2))
    return extra


def cmd_measure(a):
    argv = a.cmd
    if argv and argv[0] == "--":
        argv = argv[1:]
    if not argv:
        sys.exit("bench_helper measure: no command")
    files = nbytes = 0
    for d in a.data:
        f, b = tree_stats(d)
        files += f
        nbytes += b
    ok = {int(c) for c in a.ok_codes.split(",")}
    stdout = a.stdout or "/dev/null"
    stderr = a.stderr or "/dev/null"
    load = os.getloadavg()
    for _ in range(a.warmup):
        spawn_wait(argv, stdout, stderr, rss=False)
    runs = []
    for _ in range(a.runs):
        if not a.no_warm:
            warm(a.data)
        wall, cpu, rss, code = spawn_wait(argv, stdout, stderr, rss=not a.no_rss)
        if code not in ok:
            err = Path(stderr).read_text(errors="replace")[-2000:] if a.stderr else ""
            sys.exit(f"bench: `{' '.join(argv)}` exited with {code}\n{err}")
        runs.append({"wall": wall, "cpu": cpu, "rss_kib": rss, "code": code})
    walls = [r["wall"] for r in runs]
    rec = {
        "dataset": a.dataset,
        "size": a.size,
        "tool": a.tool,
        "label": a.label or a.tool,
        "command": shlex.join(argv),
        "files": files,
        "bytes": nbytes,
        "runs": runs,
        "best": min(walls),
        "median": statistics.median(walls),
        "cpu": min(r["cpu"] for r in runs),
        "rss_kib": max((r["rss_kib"] for r in runs if r["rss_kib"] is not None), default=None),
        "load": [round(x, 2) for x in load],
        "scale_to_bytes": a.scale_to_bytes,
        "note": a.note,
    }
    rec.update(parse_outputs(a.parse, stdout, stderr))
    if a.hyperfine_json and Path(a.hyperfine_json).exists():
        h = json.loads(Path(a.hyperfine_json).read_text())["results"][0]
        rec["hyperfine"] = {k: h[k] for k in ("mean", "stddev", "median", "min", "max") if k in h}
        rec["hyperfine"]["runs"] = len(h.get("times", []))
    with open(a.results, "a") as f:
        f.write(json.dumps(rec) + "\n")
    mbps = nbytes / MB / rec["best"] if rec["best"] > 0 else 0
    print(
        f"  {rec['label']:<34} {a.dataset:<11} {a.size:<5} best {rec['best']:8.3f} s  median {rec['median']:8.3f} s"
        f"  cpu {rec['cpu']:7.2f} s  {mbps:8.1f} MB/s  rss {fmt_rss(rec['rss_kib']):>10}  (load {load[0]:.1f})",
        file=sys.stderr,
    )


# ---------------------------------------------------------------------------
# profile
# ---------------------------------------------------------------------------


def short_symbol(sym):
    """Shorten pest's generated names and closures so a line fits."""
    sym = re.sub(r"<[\w:]*?(\w+Grammar) as pest::parser::Parser<[^>]*>>::parse::rules::(?:visible|hidden)::", r"\1::", sym)
    sym = re.sub(r"<[\w:]*?(\w+Grammar) as pest::parser::Parser<[^>]*>>::parse\b", r"\1::parse", sym)
    sym = re.sub(r"(::\{\{closure\}\})+", "::{closure}", sym)
    sym = sym.replace(" (inlined)", " (inl.)")
    return sym if len(sym) <= 110 else sym[:107] + "..."


def category(dso, sym):
    if dso.startswith("[kernel"):
        return "kernel (open, stat, read, page faults)"
    if re.match(r"__mem(cmp|move|set|cpy)|memcmp|memmove|memcpy|memset|bcmp", sym):
        return "libc memcmp/memmove/memset"
    if re.search(r"malloc|free|realloc|calloc|_int_|tcache|arena", sym):
        return "malloc/free"
    if "Grammar" in sym or sym.startswith("pest::") or "rust_psm" in sym or "stacker" in sym:
        return "pest (generated parser, its stack and state)"
    m = re.match(r"(conflint_\w+::\w+)", sym.lstrip("<"))
    if m:
        return m.group(1)
    if "rayon" in sym or "crossbeam" in sym:
        return "rayon"
    if "serde" in sym:
        return "serde (JSON output)"
    if "globset" in sym or "regex" in sym or "aho_corasick" in sym:
        return "globset/regex"
    if "walkdir" in sym:
        return "walkdir"
    return "other (" + (dso or "?") + ")"


def strip_ipc(sym):
    return re.sub(r"\s+-\s+-\s*$", "", sym).rstrip()


def perf_rows(data, children):
    args = ["perf", "report", "-i", data, "--stdio", "-g", "none", "--percent-limit", "0.3"]
    args += ["--children", "--sort", "symbol"] if children else ["--no-children", "--sort", "dso,symbol"]
    out = subprocess.run(args, capture_output=True, text=True).stdout
    rows = []
    for line in out.splitlines():
        if children:
            m = re.match(r"\s+([0-9.]+)%\s+([0-9.]+)%\s+\[(.)\]\s+(.*?)\s*$", line)
            if m:
                rows.append((float(m.group(1)), float(m.group(2)), strip_ipc(m.group(4))))
        else:
            m = re.match(r"\s+([0-9.]+)%\s+(\S+)\s+\[(.)\]\s+(.*?)\s*$", line)
            if m:
                rows.append((float(m.group(1)), m.group(2), strip_ipc(m.group(4))))
    return rows


def cmd_profile(a):
    samples = ""
    head = subprocess.run(["perf", "report", "-i", a.data, "--stdio", "--header-only"], capture_output=True, text=True)
    for line in subprocess.run(
        ["perf", "report", "-i", a.data, "--stdio", "-g", "none", "--sort", "dso"], capture_output=True, text=True
    ).stdout.splitlines():
        m = re.match(r"# Samples: (\S+)\s+of event '([^']+)'", line)
        if m:
            samples = f"{m.group(1)} samples of {m.group(2)}"
    del head
    self_rows = perf_rows(a.data, children=False)
    cats = {}
    for pct, dso, sym in self_rows:
        c = category(dso, sym)
        cats[c] = cats.get(c, 0.0) + pct
    out = [f"### {a.title}", "", "```", a.command, "```", "", samples + ".", ""]
    out.append("Self time by area (functions grouped by crate module, allocator, libc, kernel):")
    out.append("")
    out.append("| area | self time |")
    out.append("|---|---|")
    for c, pct in sorted(cats.items(), key=lambda kv: -kv[1])[:14]:
        out.append(f"| {c} | {pct:.1f}% |")
    out.append("")
    out.append("Self time by function (top 25):")
    out.append("")
    out.append("```")
    for pct, dso, sym in self_rows[:25]:
        out.append(f"{pct:6.2f}%  {dso[:18]:<18} {short_symbol(sym)}")
    out.append("```")
    out.append("")
    rows = perf_rows(a.data, children=True)
    own, seen = [], set()
    for total, self_pct, sym in rows:
        name = short_symbol(sym)
        if not re.match(r"(conflint_|serde_json::|walkdir::|globset::|\w+Grammar::)", sym.lstrip("<")) and "Grammar as" not in sym:
            continue
        if "{closure}" in name or name in seen:
            continue
        seen.add(name)
        own.append((total, self_pct, sym))
    out.append("conflint's own functions, including their callees (top 25):")
    out.append("")
    out.append("```")
    out.append("  total    self  function")
    for total, self_pct, sym in own[:25]:
        out.append(f"{total:6.2f}% {self_pct:6.2f}%  {short_symbol(sym)}")
    out.append("```")
    out.append("")
    print("\n".join(out))


# ---------------------------------------------------------------------------
# report
# ---------------------------------------------------------------------------

NOTES_BEGIN = "<!-- analysis:begin (kept by scripts/bench when it rewrites this file) -->"
NOTES_END = "<!-- analysis:end -->"

DATASET_TITLES = {
    "httpd-flat": "httpd fleet, flat layout (the files augtool reads)",
    "httpd": "httpd fleet, tree layout (includes expanded)",
    "php": "php.ini fleet",
    "gitlab": "gitlab.rb fleet",
    "etc-apache2": "`/etc/apache2` of this machine (Debian's default tree), from process start",
    "httpd-long-line": "one httpd file holding one 5 MB line (half) or 10 MB (full)",
    "httpd-nested": "one httpd file with 20,000 nested `<IfModule>` sections (half) or 40,000 (full)",
    "php-lines": "one php.ini of 300,000 lines (half) or 600,000 (full), php.ini-production repeated",
    "php-long-line": "one php.ini holding one 5 MB line (half) or 10 MB (full)",
    "httpd-suppressions": "one httpd file with 5,000 suppression comments (half) or 10,000 (full); half of them"
    " silence a finding, half are unused (CL100)",
}


def fmt_rss(kib):
    return "n/a" if kib is None else f"{kib / 1024:.1f} MiB"


def fmt_s(x):
    if x is None:
        return "n/a"
    if x < 0.1:
        return f"{x * 1000:.1f} ms"
    return f"{x:.3f} s"


def fmt_ratio(x):
    if x is None:
        return ""
    return f"{x:.1f}x" if x >= 10 else f"{x:.2f}x"


def merge_runs(raw):
    """One record per (data set, size, program): the runs of every call."""
    merged = {}
    for r in raw:
        key = (r["dataset"], r["size"], r["tool"])
        if key not in merged:
            merged[key] = dict(r, loads=[r["load"][0]])
            continue
        m = merged[key]
        m["runs"] = m["runs"] + r["runs"]
        m["loads"].append(r["load"][0])
        for k, v in r.items():
            if k == "internal_seconds":
                m[k] = min(m.get(k, v), v)
            elif k not in ("runs", "load", "best", "median", "cpu", "rss_kib"):
                m[k] = v
    for m in merged.values():
        walls = [x["wall"] for x in m["runs"]]
        m["best"] = min(walls)
        m["median"] = statistics.median(walls)
        m["cpu"] = min(x["cpu"] for x in m["runs"])
        best_run = min(m["runs"], key=lambda x: x["wall"])
        m["cores"] = best_run["cpu"] / best_run["wall"] if best_run["wall"] > 0 else 0
        m["rss_kib"] = max((x["rss_kib"] for x in m["runs"] if x["rss_kib"] is not None), default=None)
    return list(merged.values())


def cmd_report(a):
    recs = merge_runs([json.loads(l) for l in Path(a.results).read_text().splitlines() if l.strip()])
    machine = json.loads(Path(a.machine).read_text())
    fleet = json.loads(Path(a.fleet).read_text()) if a.fleet and Path(a.fleet).exists() else {}
    machine["load_end"] = os.getloadavg()
    by = {(r["dataset"], r["size"], r["tool"]): r for r in recs}

    def get(dataset, size, tool):
        return by.get((dataset, size, tool))

    def eff_time(r):
        """Best wall time, extrapolated to the full data set for a subset run."""
        if r is None:
            return None
        if r.get("scale_to_bytes"):
            return r["best"] * r["scale_to_bytes"] / r["bytes"]
        return r["best"]

    def eff_bytes(r):
        return r.get("scale_to_bytes") or r["bytes"]

    lines = []
    header = (
        "| data set | size | program | files | MB | wall (best) | wall (median) | CPU | cores used"
        " | MB/s | peak RSS | vs cat | vs reference |"
    )
    lines.append(header)
    lines.append("|" + "---|" * 13)
    order = ["httpd-flat", "httpd", "php", "gitlab", "etc-apache2", *STRESS]
    tool_order = ["cat", "conflint", "augtool", "php", "ruby"]
    ref_tool = {"httpd-flat": "augtool", "httpd": None, "php": "php", "gitlab": "ruby"}
    for dataset in order:
        for size in ("full", "half"):
            for tool in tool_order:
                r = get(dataset, size, tool)
                if r is None:
                    continue
                t = eff_time(r)
                cat = get(dataset, size, "cat")
                vs_cat = t / cat["best"] if cat and tool != "cat" else None
                vs_ref = ""
                ref = ref_tool.get(dataset)
                if tool == "conflint" and ref:
                    rr = get(dataset, size, ref)
                    if rr:
                        ratio = eff_time(rr) / t
                        vs_ref = f"{fmt_ratio(ratio)} faster than {ref}" if ratio >= 1 else f"{fmt_ratio(1 / ratio)} slower than {ref}"
                if tool == "augtool" and r.get("scale_to_bytes"):
                    label = f"{r['label']} (timed on {r['files']} files, scaled)"
                else:
                    label = r["label"]
                cores = r["cores"]
                mbps = eff_bytes(r) / MB / t if t else 0
                lines.append(
                    f"| {dataset} | {size} | {label} | {r['files']} | {eff_bytes(r) / MB:.1f} | {fmt_s(t)}"
                    f" | {fmt_s(r['median'] * (t / r['best']) if r['best'] else None)} | {fmt_s(r['cpu'] * (t / r['best']))}"
                    f" | {cores:.2f} | {mbps:.1f} | {fmt_rss(r['rss_kib'])} | {fmt_ratio(vs_cat)} | {vs_ref} |"
                )
    table = "\n".join(lines)

    # Targets.
    targets = []

    def target(name, ok, detail):
        if ok is None:
            targets.append((name, "SKIPPED", detail))
        else:
            targets.append((name, "PASS" if ok else "MISS", detail))

    for layout in ("httpd-flat", "httpd"):
        c = get(layout, "full", "conflint")
        cat = get(layout, "full", "cat")
        if layout == "httpd-flat":
            aug = get(layout, "full", "augtool")
            if c and aug:
                ratio = eff_time(aug) / c["best"]
                target(
                    "httpd fleet: at least 50x faster than augtool",
                    ratio >= 50,
                    f"{ratio:.1f}x (augtool {fmt_s(eff_time(aug))}, conflint {fmt_s(c['best'])})"
                    + (f"; {50 / ratio:.1f}x short" if ratio < 50 else "")
                    + f"; by CPU time {aug['cpu'] * eff_time(aug) / aug['best'] / c['cpu']:.1f}x",
                )
            else:
                target("httpd fleet: at least 50x faster than augtool", None, "augtool not measured")
        if c and cat:
            ratio = c["best"] / cat["best"]
            target(
                f"httpd fleet ({'flat' if layout == 'httpd-flat' else 'tree'} layout): within 5x of cat",
                ratio <= 5,
                f"{ratio:.1f}x cat (cat {fmt_s(cat['best'])}, conflint {fmt_s(c['best'])})"
                + (f"; {ratio / 5:.1f}x over" if ratio > 5 else "")
                + f"; by CPU time {c['cpu'] / cat['cpu']:.1f}x",
            )
    c = get("php", "full", "conflint")
    p = get("php", "full", "php")
    if c and p:
        cm = c["bytes"] / MB / c["best"]
        pm = p["bytes"] / MB / p["best"]
        frac = cm / pm
        detail = f"conflint {cm:.1f} MB/s, parse_ini_file {pm:.1f} MB/s (process wall time) = {frac:.2f} of PHP"
        if p.get("internal_seconds"):
            pim = p["bytes"] / MB / p["internal_seconds"]
            detail += f"; PHP's loop alone {pim:.1f} MB/s"
        if frac < 0.5:
            detail += f"; {0.5 / frac:.1f}x short"
        detail += f"; by CPU time {(p['cpu'] / c['cpu']):.2f} of PHP"
        target("php.ini fleet: at least half of parse_ini_file's throughput", frac >= 0.5, detail)
    else:
        target("php.ini fleet: at least half of parse_ini_file's throughput", None, "php not measured")
    e = get("etc-apache2", "full", "conflint")
    if e:
        med = e["median"]
        hf = e.get("hyperfine")
        detail = f"median {fmt_s(med)}, best {fmt_s(e['best'])} over {len(e['runs'])} runs ({e['files']} files)"
        if hf:
            detail += f"; hyperfine: median {fmt_s(hf['median'])}, mean {fmt_s(hf['mean'])} ± {fmt_s(hf['stddev'])}"
            med = hf["median"]
        target("/etc/apache2 checked in under 20 ms", med < 0.020, detail)
    else:
        target("/etc/apache2 checked in under 20 ms", None, "no /etc/apache2 on this machine")
    peak = [get(d, "full", "conflint") for d in ("httpd-flat", "httpd")]
    peak = [r for r in peak if r and r["rss_kib"] is not None]
    if peak:
        worst = max(r["rss_kib"] for r in peak) / 1024
        detail = ", ".join(f"{'flat' if r['dataset'] == 'httpd-flat' else 'tree'} layout {fmt_rss(r['rss_kib'])}" for r in peak)
        target("httpd fleet: peak memory under 150 MB", worst * 1.048576 < 150, detail + f" (= {worst * 1.048576:.1f} MB)")
    else:
        target("httpd fleet: peak memory under 150 MB", None, "GNU time (/usr/bin/time, package time) not installed")
    for dataset in ("httpd-flat", "httpd", "php", "gitlab", *STRESS):
        f = get(dataset, "full", "conflint")
        h = get(dataset, "half", "conflint")
        if f and h:
            ratio = f["best"] / h["best"]
            bratio = f["bytes"] / h["bytes"]
            expect = bratio
            ok = abs(ratio / expect - 1) <= 0.10
            cpu_ratio = f["cpu"] / h["cpu"] if h["cpu"] else 0
            target(
                f"linear: {dataset} x{bratio:.2f} input, x{expect:.2f} time (within 10%)",
                ok,
                f"time x{ratio:.2f} ({fmt_s(h['best'])} -> {fmt_s(f['best'])}); CPU time x{cpu_ratio:.2f}",
            )

    tlines = ["| target | result | measured |", "|---|---|---|"]
    for name, res, detail in targets:
        tlines.append(f"| {name} | **{res}** | {detail} |")
    ttable = "\n".join(tlines)

    print("\n" + table + "\n\n" + ttable + "\n")

    # Details of what the programs found, as a sanity check.
    checks = []
    for r in recs:
        if r["tool"] == "conflint" and "checked_files" in r:
            codes = ", ".join(f"{k} {v}" for k, v in r.get("codes", {}).items())
            checks.append(
                f"- conflint, {r['dataset']} {r['size']}: {r['checked_files']} files checked,"
                f" {r['diagnostics']} diagnostics ({codes})"
            )
        if r["tool"] == "augtool":
            checks.append(
                f"- augtool, {r['dataset']} {r['size']}: {r['files']} files read, {r.get('error_files', '?')}"
                " with /augeas//error (files the Httpd lens cannot parse)"
            )
        if r["tool"] in ("php", "ruby") and "checked_files" in r:
            checks.append(
                f"- {r['tool']}, {r['dataset']} {r['size']}: {r['checked_files']} files parsed;"
                f" the parse loop alone took {fmt_s(r['internal_seconds'])} (best run; the whole process {fmt_s(r['best'])})"
            )

    loads = [x for r in recs for x in r["loads"]]
    m = machine
    out = []
    out.append("# Benchmarks")
    out.append("")
    out.append(
        "Generated by `scripts/bench` (see [How to run](#how-to-run)); rerunning it rewrites this file,"
        " keeping the hand-written analysis section."
    )
    out.append("")
    out.append("## Machine")
    out.append("")
    out.append(f"- date: {m['date']}")
    out.append(f"- CPU: {m['cpu']}, {m['nproc']} logical CPUs (`nproc`: {m['nproc_online']})")
    out.append(f"- RAM: {m['ram_gib']} GiB; kernel {m['kernel']}; {m['os']}")
    out.append(
        f"- load average (1/5/15 min): {' / '.join(f'{x:.2f}' for x in m['load_start'])} at the start,"
        f" {' / '.join(f'{x:.2f}' for x in m['load_end'])} at the end;"
        f" 1-minute load during the measurements {min(loads):.1f} to {max(loads):.1f}"
        if loads
        else ""
    )
    out.append(
        f"- conflint: commit `{m['commit']}` ({m['commit_subject']})"
        + (" with uncommitted changes in src/, crates/ or grammars/" if m["dirty"] else "")
        + f"; binary `{m['binary']}` ({m['binary_note']}); {m['conflint_version']}; {m['rustc']}"
    )
    others = [m.get(k) for k in ("augtool", "php", "ruby", "hyperfine")]
    out.append("- other programs: " + "; ".join(x for x in others if x))
    out.append(f"- runs per measurement: {m['runs']} (best wall time kept, median shown); scale {m['scale']}")
    out.append("")
    if loads and max(loads) >= 0.5 * (m["nproc"] or 1):
        out.append(
            f"**The machine was not idle**: other jobs kept the 1-minute load at {min(loads):.1f} to {max(loads):.1f}"
            f" on {m['nproc']} CPUs during this run. Wall times (and *cores used*) are therefore pessimistic, most"
            " for the parallel programs; CPU times are less affected, and the targets below also give the ratio"
            " by CPU time."
        )
        out.append("")
    if fleet:
        d = fleet["datasets"]
        out.append("## Fleet")
        out.append("")
        out.append(
            f"Built from `../shared/corpus` in {fleet['build_seconds']} s. The full size has"
            f" {d['httpd/full']['hosts']} httpd hosts, each with the {fleet['httpd_files_per_host']} httpd-syntax"
            f" files of `corpus/apache` ({fleet['httpd_bytes_per_host'] / 1000:.0f} kB per host,"
            f" {d['httpd/full']['files']} files, {d['httpd/full']['bytes'] / MB:.1f} MB);"
            f" {d['php/full']['files']} copies of `php.ini-production` named `php.ini`"
            f" ({d['php/full']['bytes'] / MB:.1f} MB); {d['gitlab/full']['files']} copies of"
            f" `gitlab.rb.template` named `gitlab.rb` ({d['gitlab/full']['bytes'] / MB:.1f} MB)."
            " The half size is the first half of the hosts of each fleet."
        )
        out.append("")
        out.append("```")
        out.append("FLEET/full/httpd/host001/certbot/testdata/debian_apache_2_4/.../apache2/apache2.conf   tree layout (corpus paths)")
        out.append("FLEET/full/httpd-flat/host001/017-apache2.conf ...                                    flat layout (hard links to the same files)")
        out.append("FLEET/full/php/host0001/php.ini")
        out.append("FLEET/full/gitlab/host001/gitlab.rb")
        out.append("FLEET/half/...                                                                        first half of the hosts (hard links)")
        out.append("```")
        out.append("")
        out.append(LAYOUT_TEXT)
        out.append("")
    out.append("## Results")
    out.append("")
    out.append(
        "Wall time is from process start to exit, best of the runs; CPU is user + system time of the process"
        " and its children; *cores used* is CPU / wall; MB/s is decimal megabytes of input per second of wall"
        " time; peak RSS is the largest resident set of the process (or of any process of a pipeline)."
        " *vs cat* is the wall time over cat's on the same files (1.00x = as fast as reading them)."
    )
    out.append("")
    out.append(table)
    out.append("")
    present = [d for d in DATASET_TITLES if any(r["dataset"] == d for r in recs)]
    out.extend(f"- **{d}**: {DATASET_TITLES[d]}" for d in present)
    out.append("")
    out.append("## Targets")
    out.append("")
    out.append("Ratios from this one run (the issue's targets; no timed tests enforce them).")
    out.append("")
    out.append(ttable)
    out.append("")
    if a.skipped and Path(a.skipped).exists():
        out.append("Skipped in this run:")
        out.append("")
        out.extend(f"- {l}" for l in Path(a.skipped).read_text().splitlines() if l.strip())
        out.append("")
    if checks:
        out.append("What each program found (sanity checks on the outputs):")
        out.append("")
        out.extend(checks)
        out.append("")
    out.append("## Commands")
    out.append("")
    out.append(
        "Each timed command at the full size, as run (FLEET is the fleet directory; the half size reads"
        " FLEET/half instead of FLEET/full; conflint's JSON goes to a file in FLEET/out). Peak RSS is measured"
        " by running each under"
        " `/usr/bin/time -q -f %M`; the /etc/apache2 timing runs without it."
    )
    out.append("")
    out.append("```")
    seen = set()
    fleet_root = str(Path(a.fleet).parent) if a.fleet else None
    for r in recs:
        if r["size"] == "half" or (r["dataset"], r["tool"]) in seen:
            continue
        seen.add((r["dataset"], r["tool"]))
        cmd = r["command"]
        if fleet_root:
            cmd = cmd.replace(fleet_root, "FLEET")
        cmd = cmd.replace(m["binary"], "conflint")
        out.append(f"# {r['dataset']}: {r['label']}")
        out.append(cmd)
    out.append("```")
    out.append("")
    if a.profile and Path(a.profile).exists():
        out.append("## Profile")
        out.append("")
        out.append(Path(a.profile).read_text().rstrip())
        out.append("")
    # Keep the hand-written analysis.
    old = Path(a.out).read_text() if Path(a.out).exists() else ""
    if NOTES_BEGIN in old and NOTES_END in old:
        notes = old[old.index(NOTES_BEGIN) : old.index(NOTES_END) + len(NOTES_END)]
    else:
        notes = NOTES_BEGIN + "\n## Analysis\n\n(none yet)\n" + NOTES_END
    out.append(notes)
    out.append("")
    out.append(HOWTO_TEXT)
    Path(a.out).write_text("\n".join(out).rstrip() + "\n")
    print(f"bench: wrote {a.out}", file=sys.stderr)


LAYOUT_TEXT = """\
**Why two httpd layouts.** The issue's Augeas command loads `FLEET/*/*.conf`, one directory level deep, and
Augeas never follows `Include`: it parses each file on its own. The corpus trees keep their files at many
depths under names that repeat (`apache2.conf`, `ssl.conf`) and some do not end in `.conf` (`.load`,
`.conf.in`, `.htaccess`). So each host's 173 files are also laid out flat, `FLEET/httpd-flat/hostNNN/NNN-name.conf`,
as hard links to the tree's files: the flat and the tree layout are the same inodes and the same bytes.
The comparison with augtool and `cat` uses the flat layout for all three programs, so that each of the
34,600 files (at full size) is read and parsed exactly once by each: there, no file is named
`apache2.conf` or `httpd.conf`, so conflint checks each as a fragment (parse + every per-file rule),
which is what Augeas does too (parse, no rules). The tree layout is the realistic repository of hosts'
configurations: conflint finds the entry files (`apache2.conf`, `httpd.conf`), expands their includes and
runs the tree rules (virtual hosts, MPM, conditionals), then checks the files no tree included; it is
timed against `cat` of the same files. The directory names contain `httpd`, which is how conflint
recognises `*.conf` files as httpd configuration without a `conflint.toml`."""

HOWTO_TEXT = """\
## How to run

```sh
scripts/bench                      # full size (about 5 minutes on 2 cores), writes BENCHMARKS.md
BENCH_SCALE=0.1 scripts/bench      # a tenth of the fleet, for a quick look
scripts/bench --install            # first apt-get install augeas-tools php-cli ruby hyperfine time
scripts/bench --profile            # also perf record conflint on the httpd and php.ini fleets (needs perf)
scripts/bench --rev HEAD           # time conflint as committed, from a clean export, not the working tree
scripts/bench /tmp/fleet           # build the fleet there and keep it (a second run reuses it)
scripts/bench --help               # every option and environment variable
```

This file was produced with `BENCH_RUNS=5 scripts/bench --rev <commit> --profile /tmp/bt/fleet`.

The script builds conflint with `cargo build --release` (honouring `CARGO_TARGET_DIR`) and times that binary,
`target/release/conflint`; `CONFLINT=/path/to/conflint` times another one instead. It needs
`../shared/corpus` beside the repository. A comparison whose program is missing (augtool, php, ruby,
hyperfine) is skipped with a note, unless `--install` is given."""


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", required=True)

    b = sub.add_parser("build")
    b.add_argument("--corpus", required=True)
    b.add_argument("--dir", required=True)
    b.add_argument("--httpd-hosts", type=int, required=True)
    b.add_argument("--php-hosts", type=int, required=True)
    b.add_argument("--gitlab-hosts", type=int, required=True)
    b.add_argument("--augtool-hosts", type=int, default=0)
    b.add_argument("--stress-scale", type=float, default=1.0)
    b.set_defaults(func=cmd_build)

    m = sub.add_parser("machine")
    m.add_argument("--repo", required=True)
    m.add_argument("--binary", required=True)
    m.add_argument("--binary-note", default="")
    m.add_argument("--rev", default="", help="the commit the binary was built from (clean export)")
    m.add_argument("--scale", default="1")
    m.add_argument("--runs", default="3")
    m.add_argument("--out", required=True)
    m.set_defaults(func=cmd_machine)

    r = sub.add_parser("measure")
    r.add_argument("--results", required=True)
    r.add_argument("--dataset", required=True)
    r.add_argument("--size", default="full")
    r.add_argument("--tool", required=True)
    r.add_argument("--label")
    r.add_argument("--data", action="append", default=[], help="files measured (warmed, counted)")
    r.add_argument("--runs", type=int, default=3)
    r.add_argument("--warmup", type=int, default=0, help="untimed runs of the command first")
    r.add_argument("--no-warm", action="store_true", help="do not cat the data before each run")
    r.add_argument("--no-rss", action="store_true", help="no GNU time wrapper (for latency measurements)")
    r.add_argument("--stdout")
    r.add_argument("--stderr")
    r.add_argument("--ok-codes", default="0")
    r.add_argument("--parse", default="none", choices=["none", "conflint", "augtool", "php", "ruby"])
    r.add_argument("--scale-to-bytes", type=int, default=0, help="extrapolate the time to this many bytes")
    r.add_argument("--hyperfine-json")
    r.add_argument("--note", default="")
    r.add_argument("cmd", nargs=argparse.REMAINDER)
    r.set_defaults(func=cmd_measure)

    f = sub.add_parser("profile")
    f.add_argument("--data", required=True)
    f.add_argument("--title", required=True)
    f.add_argument("--command", required=True)
    f.set_defaults(func=cmd_profile)

    o = sub.add_parser("report")
    o.add_argument("--results", required=True)
    o.add_argument("--machine", required=True)
    o.add_argument("--fleet")
    o.add_argument("--profile")
    o.add_argument("--skipped", help="notes of comparisons skipped, one a line")
    o.add_argument("--out", required=True)
    o.set_defaults(func=cmd_report)

    a = p.parse_args()
    a.func(a)


if __name__ == "__main__":
    main()
