#!/usr/bin/env bash
# Times djreview against its peers on the same files, and writes a Markdown table of the times and
# ratios to standard output and to target/bench-peers.md.
#
#   Python code:  djreview (every rule; the profile-guided build of scripts/build-cli.sh, and the plain
#                 release build) vs ruff --select DJ,S,DTZ, on Django 5.2's source and pretix
#   Migrations:   djreview on the migrations folders vs squawk on the SQL of the same migrations
#
# Everything it needs goes under target/ (nothing is installed system-wide): the corpora in
# target/bench-corpus (shared with scripts/bench.sh), ruff and squawk in a virtualenv in
# target/bench-peers/venv, the migrations' SQL in target/bench-peers/sql. Running it again reuses
# all of that. The versions are pinned so that runs compare; override them with the variables below.
#
#   ./scripts/bench-peers.sh              7 timed runs per command after one warm-up
#   RUNS=15 ./scripts/bench-peers.sh      more runs
#
# Variables: RUNS, DJANGO_SPEC, PRETIX_SPEC, RUFF_SPEC, SQUAWK_SPEC, POSTGRES (squawk's --pg-version
# and djreview's --postgres). The machine should be otherwise idle: the table reports medians of
# wall-clock and CPU time (user + system), and CPU time is the steadier of the two on a busy machine.
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=${RUNS:-7}
DJANGO_SPEC=${DJANGO_SPEC:-"django==5.2.*"}
PRETIX_SPEC=${PRETIX_SPEC:-"pretix==2026.8.0"}
RUFF_SPEC=${RUFF_SPEC:-"ruff==0.17.6"}
SQUAWK_SPEC=${SQUAWK_SPEC:-"squawk-cli==2.70.0"}
POSTGRES=${POSTGRES:-16}

corpus=target/bench-corpus
work=target/bench-peers
venv=$work/venv
mkdir -p "$corpus/dl" "$work"

# The corpora: wheels unpacked as in scripts/bench.sh (same folders, so either script reuses them).
fetch() {
  local spec=$1 name=$2
  if [ ! -d "$corpus/$name" ]; then
    python3 -m pip download --no-deps --quiet "$spec" -d "$corpus/dl"
    local wheel
    wheel=$(ls "$corpus"/dl/"$name"-*.whl | sort -V | tail -n 1)
    mkdir -p "$corpus/$name.tmp"
    (cd "$corpus/$name.tmp" && python3 -m zipfile -e "../../../$wheel" .)
    mv "$corpus/$name.tmp" "$corpus/$name"
  fi
}
fetch "$DJANGO_SPEC" django
fetch "$PRETIX_SPEC" pretix

# ruff and squawk (its PyPI package ships the binary), reinstalled only when the pins change.
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
if [ "$(cat "$venv/.pins" 2>/dev/null)" != "$RUFF_SPEC $SQUAWK_SPEC" ]; then
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "$RUFF_SPEC" "$SQUAWK_SPEC"
  echo "$RUFF_SPEC $SQUAWK_SPEC" > "$venv/.pins"
fi

# Two builds of the CLI: the profile-guided one (scripts/build-cli.sh, trained on the repository's
# fixtures, never on these corpora) and a plain `cargo build --release`.
./scripts/build-cli.sh
cargo build --release -p djreview-cli --quiet
djreview="${CARGO_TARGET_DIR:-target}/pgo/djreview"
plain="${CARGO_TARGET_DIR:-target}/release/djreview"

RUNS=$RUNS POSTGRES=$POSTGRES CORPUS=$corpus WORK=$work VENV=$venv DJREVIEW=$djreview PLAIN=$plain \
  "$venv/bin/python" - <<'PY'
import json, os, platform, resource, shutil, statistics, subprocess, sys, time

runs = int(os.environ["RUNS"])
postgres = os.environ["POSTGRES"]
corpus, work, venv = os.environ["CORPUS"], os.environ["WORK"], os.environ["VENV"]
djreview = os.path.abspath(os.environ["DJREVIEW"])
plain = os.path.abspath(os.environ["PLAIN"])
ruff = os.path.join(venv, "bin", "ruff")
squawk = os.path.join(venv, "bin", "squawk")
projects = ["django", "pretix"]


def run_once(cmd, env):
    """Wall-clock and CPU (user + system) seconds of one run, output discarded."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode not in (0, 1):
        sys.exit(f"{cmd[0]} exited with {proc.returncode}: {' '.join(cmd)}")
    return wall, usage.ru_utime + usage.ru_stime


def measure(*commands):
    """Times each (command, extra environment) `runs` times after one warm-up run (page cache, binary
    loaded). The commands take turns, run by run, so a change in the machine's load during the
    measurement weighs on all of them alike."""
    envs = [dict(os.environ, **(extra or {})) for _, extra in commands]
    for (cmd, _), env in zip(commands, envs):
        run_once(cmd, env)
    samples = [[] for _ in commands]
    for _ in range(runs):
        for k, ((cmd, _), env) in enumerate(zip(commands, envs)):
            samples[k].append(run_once(cmd, env))
    return [
        {
            "wall": statistics.median(s[0] for s in taken),
            "cpu": statistics.median(s[1] for s in taken),
            "wall_min": min(s[0] for s in taken),
        }
        for taken in samples
    ]


def tree_stats(root, exts):
    files = lines = 0
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d != "__pycache__"]
        for name in filenames:
            if name.endswith(exts):
                files += 1
                with open(os.path.join(dirpath, name), "rb") as f:
                    lines += f.read().count(b"\n")
    return files, lines


def migration_dirs(root):
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
        if os.path.basename(dirpath) == "migrations" and any(n.endswith(".py") for n in filenames):
            found.append(dirpath)
    return found


def write_sql(project, dirs):
    """The SQL djreview shows for every operation (what Django's PostgreSQL schema editor emits), one
    .sql file per migration, as scripts/dev/compare_squawk.py produces it; operations whose SQL holds
    a placeholder (a column type decided by code) are left out because squawk cannot parse them."""
    out = subprocess.run(
        [djreview, "check", "--format", "json", "--fail-on", "never", "--postgres", postgres, *dirs],
        capture_output=True, text=True, check=True,
    ).stdout
    report = json.loads(out)
    target = os.path.join(work, "sql", project)
    shutil.rmtree(target, ignore_errors=True)
    os.makedirs(target)
    files, statements = [], 0
    for m in report["migrations"]:
        sql = [op["sql"].strip() for op in m["operations"] if op["sql"].strip() and "<" not in op["sql"]]
        if not sql:
            continue
        name = m["path"].replace("/", "__").removesuffix(".py") + ".sql"
        path = os.path.join(target, name)
        with open(path, "w") as f:
            f.write("\n".join(s if s.endswith(";") else s + ";" for s in sql) + "\n")
        files.append(path)
        statements += len(sql)
    return len(report["migrations"]), files, statements


def version(cmd):
    return subprocess.run(cmd, capture_output=True, text=True).stdout.strip()


ruff_args = ["check", "--isolated", "--select", "DJ,S,DTZ", "--no-cache", "--exit-zero", "--quiet"]
load_before = os.getloadavg()[0]
code_rows, mig_rows = [], []
for p in projects:
    root = os.path.join(corpus, p)
    py_files, py_lines = tree_stats(root, ".py")
    html_files, _ = tree_stats(root, ".html")
    check = ["check", "--format", "json", "--fail-on", "never", root]
    one_core = ["taskset", "-c", "0"] if shutil.which("taskset") else []
    dj, dj1, djp, r1, rn = measure(
        ([djreview, *check], None),
        # djreview spreads its stages over every core; pinned to one core it runs them one after another.
        ([*one_core, djreview, *check], None),
        ([plain, *check], None),
        ([ruff, *ruff_args, root], {"RAYON_NUM_THREADS": "1"}),
        ([ruff, *ruff_args, root], None),
    )
    code_rows.append((p, py_files, py_lines, html_files, dj, dj1, djp, r1, rn))

    dirs = migration_dirs(root)
    n_migrations, sql_files, statements = write_sql(p, dirs)
    djm, sq = measure(
        ([djreview, "check", "--format", "json", "--fail-on", "never", "--postgres", postgres, *dirs], None),
        ([squawk, "--reporter", "json", "--pg-version", f"{postgres}.0", *sql_files], None),
    )
    mig_rows.append((p, n_migrations, len(sql_files), statements, djm, sq))
load_after = os.getloadavg()[0]

cpu_model = "unknown"
with open("/proc/cpuinfo") as f:
    for line in f:
        if line.startswith("model name"):
            cpu_model = line.split(":", 1)[1].strip()
            break


def times(m):
    return f"{m['wall']:.3f} ({m['wall_min']:.3f}) | {m['cpu']:.3f}"


def ratio(a, b, key):
    return f"{a[key] / b[key]:.1f}×"


threads = os.cpu_count()
out = []
out.append(f"Machine: {threads} CPUs ({cpu_model}), {platform.system()} {platform.release()}; "
           f"load average {load_before:.1f} before the runs and {load_after:.1f} after. "
           f"Each command ran once to warm up, then {runs} times; the tables give the median wall-clock "
           "time (and the fastest run) and the median CPU time (user + system), in seconds. Output was "
           "discarded.")
out.append("")
out.append(f"Versions: {version([djreview, '--version'])}, {version([ruff, '--version'])}, "
           f"{version([squawk, '--version'])}.")
out.append("")
out.append("### Python code: djreview (every rule) vs ruff `--select DJ,S,DTZ`")
out.append("")
out.append("| Corpus | Command | Wall, median (fastest) | CPU, median |")
out.append("|---|---|---|---|")
for p, py_files, py_lines, html_files, dj, dj1, djp, r1, rn in code_rows:
    what = f"{p}: {py_files} .py files ({py_lines:,} lines), {html_files} .html"
    out.append(f"| {what} | djreview, default ({threads} threads) | {times(dj)} |")
    out.append(f"| | djreview, one core (`taskset -c 0`) | {times(dj1)} |")
    out.append(f"| | djreview without profile-guided optimisation, default | {times(djp)} |")
    out.append(f"| | ruff, `RAYON_NUM_THREADS=1` | {times(r1)} |")
    out.append(f"| | ruff, default ({threads} threads) | {times(rn)} |")
out.append("")
out.append("| Corpus | one thread vs one thread: wall | CPU | default vs default: wall | CPU "
           "| without profile-guided optimisation, default vs default: wall | CPU |")
out.append("|---|---|---|---|---|---|---|")
for p, _, _, _, dj, dj1, djp, r1, rn in code_rows:
    out.append(f"| {p} | **{ratio(dj1, r1, 'wall')}** | {ratio(dj1, r1, 'cpu')} "
               f"| **{ratio(dj, rn, 'wall')}** | {ratio(dj, rn, 'cpu')} "
               f"| {ratio(djp, rn, 'wall')} | {ratio(djp, rn, 'cpu')} |")
out.append("")
out.append("### Migrations: djreview on the `migrations/` folders vs squawk on the SQL of the same migrations")
out.append("")
out.append("| Corpus | Command | Wall, median (fastest) | CPU, median |")
out.append("|---|---|---|---|")
for p, n_migrations, n_sql, statements, djm, sq in mig_rows:
    out.append(f"| {p}: {n_migrations} migrations | djreview | {times(djm)} |")
    out.append(f"| | squawk: {n_sql} .sql files, {statements} statements | {times(sq)} |")
out.append("")
out.append("| Corpus | wall | CPU |")
out.append("|---|---|---|")
for p, _, _, _, djm, sq in mig_rows:
    out.append(f"| {p} | **{ratio(djm, sq, 'wall')}** | {ratio(djm, sq, 'cpu')} |")
out.append("")
out.append("Ratios are djreview's median time divided by the peer's (below 1× djreview is faster). "
           "djreview is the profile-guided build of scripts/build-cli.sh (trained on the repository's "
           "fixtures, not on these corpora) unless the row says otherwise; the plain build is "
           "`cargo build --release`. One thread vs one thread compares djreview pinned to one core with "
           "ruff on one thread; default vs default lets both use every CPU. squawk runs on one. The "
           "commands of a table took turns run by run.")
text = "\n".join(out) + "\n"
print(text, end="")
with open("target/bench-peers.md", "w") as f:
    f.write(text)
PY
