#!/usr/bin/env python3
"""Differential test: djreview's settings audit against real Django's `check --deploy`.

Generates a family of small Django projects (one settings module each, some layered over a base
module with `from .base import *`, some with a custom CSRF failure view), runs Django's system
checks with deployment checks on every one, runs `djreview check --format json` on the same
files, and compares the check IDs file by file (as multisets: W025 and 4_0.E001 repeat).

    parity.py --djreview PATH --python VENV_PYTHON [--out DIR] [--cases N] [--seed S]

VENV_PYTHON must have Django installed (scripts/test.sh makes a virtualenv with the pinned 5.2).
Exit status 0 only on 100 % agreement. Only the IDs djreview reproduces are compared: every
`security.*` ID, `caches.W002` and `4_0.E001`; Django's other checks (models, templates, ...)
have nothing to do with settings values.
"""

import argparse
import json
import os
import random
import shutil
import subprocess
import sys

COMPARED_PREFIXES = ("security.", "caches.W002", "4_0.E001")

# Every ID Django 5.2 can raise from settings alone: the family must make Django report each one.
MUST_COVER = {f"security.W{n:03d}" for n in (1, 2, 3, 4, 5, 6, 8, 9, 10, 11, 12, 13, 14, 15, 16, 18, 19, 20, 21, 22, 25)}
MUST_COVER |= {"security.E023", "security.E024", "security.E101", "security.E102", "caches.W002", "4_0.E001"}

SEC = "django.middleware.security.SecurityMiddleware"
SESS = "django.contrib.sessions.middleware.SessionMiddleware"
COMMON = "django.middleware.common.CommonMiddleware"
CSRF = "django.middleware.csrf.CsrfViewMiddleware"
XFO = "django.middleware.clickjacking.XFrameOptionsMiddleware"

GOOD_KEY = "k8#Qz2!vR9@mW4$tY7%pL1^nB6&xC3*sD5(fG0)hJ-=a+eUi~oPq"  # 52 chars, many distinct
UNSET = object()

# Each dimension: the setting it writes and the values to draw from (UNSET leaves Django's default).
DIMENSIONS = {
    "DEBUG": [UNSET, True, False, 1, 0, "", "False", None],
    "ALLOWED_HOSTS": [UNSET, [], ["*"], ["app.example.com"], (), (".example.com",)],
    "SECRET_KEY": [
        UNSET,
        "",
        None,
        "django-insecure-" + "a1b2c3d4e5f6g7h8i9j0" * 3,
        "x" * 49,
        "ab" * 25,
        "abcd" * 20,
        "abcde" * 10,
        GOOD_KEY,
        GOOD_KEY[:49],
        "Ünïcødé-kéy-" + "ßøåæ" * 10,
    ],
    "SECRET_KEY_FALLBACKS": [UNSET, [], [GOOD_KEY], ["short", GOOD_KEY, "django-insecure-" + GOOD_KEY], ("",)],
    "MIDDLEWARE": [
        UNSET,
        [],
        [SEC, SESS, COMMON, CSRF, XFO],
        [SEC],
        [SESS, COMMON],
        (SEC, CSRF),
        [XFO, CSRF],
        ["myproject.middleware.SecurityMiddleware", SESS, CSRF, XFO],
        [SEC, SESS, XFO],
    ],
    "INSTALLED_APPS": [UNSET, ["django.contrib.sessions"], ["django.contrib.contenttypes"], []],
    "SECURE_HSTS_SECONDS": [UNSET, 0, None, 3600, 31536000, "0", 0.0],
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": [UNSET, True, False, 1, "True"],
    "SECURE_HSTS_PRELOAD": [UNSET, True, False, 1],
    "SECURE_CONTENT_TYPE_NOSNIFF": [UNSET, True, False, 1],
    "SECURE_SSL_REDIRECT": [UNSET, True, False, "1", 1],
    "SESSION_COOKIE_SECURE": [UNSET, True, False, "1", 1],
    "SESSION_COOKIE_HTTPONLY": [UNSET, True, False, 1],
    "CSRF_COOKIE_SECURE": [UNSET, True, False, "True"],
    "CSRF_USE_SESSIONS": [UNSET, True, False, 1, 0],
    "X_FRAME_OPTIONS": [UNSET, "DENY", "SAMEORIGIN", "deny", None],
    "SECURE_REFERRER_POLICY": [
        UNSET,
        None,
        "same-origin",
        "no-referrer, strict-origin-when-cross-origin",
        "same_origin",
        ["origin", "unsafe-url"],
        ["origin", "bogus"],
        [],
        ("strict-origin",),
        "",
        " origin ,  no-referrer ",
    ],
    "SECURE_CROSS_ORIGIN_OPENER_POLICY": [UNSET, None, "same-origin", "unsafe-none", "same-origin-allow-popups", "bogus", ""],
    "CSRF_TRUSTED_ORIGINS": [UNSET, [], ["https://app.example.com"], ["app.example.com", "https://b.example.com", "c.example.com"]],
    "SILENCED_SYSTEM_CHECKS": [UNSET, [], ["security.W004", "security.W018"], ["security.W012", "4_0.E001", "caches.W002"]],
}

# Ways to write a file-based cache next to the served directories (caches.W002).
CACHE_LAYOUTS = [
    None,
    {"MEDIA_ROOT": "/srv/app/media", "LOCATION": "/srv/app/media/cache"},
    {"MEDIA_ROOT": "/srv/app/media/", "LOCATION": "/srv/app/media"},
    {"STATIC_ROOT": "/srv/app/static/cache", "LOCATION": "/srv/app/static"},
    {"STATIC_ROOT": "/srv/app/static", "LOCATION": "/var/cache/app"},
    {"STATICFILES_DIRS": ["/srv/app/assets", ("vendor", "/srv/app/vendor")], "LOCATION": "/srv/app/vendor/c"},
    {"MEDIA_ROOT": "/srv/app/media", "STATIC_ROOT": "/srv/app/media/static", "LOCATION": "/srv/app/media/static/x"},
    {"MEDIA_ROOT": "/srv/app/media", "LOCATION": "/srv/app/media-cache"},
    {"MEDIA_ROOT": "", "LOCATION": "/srv/app/media"},
]

# CSRF failure views (security.E101/E102), written to views.py in the case's package.
VIEWS = '''\
def good(request, reason=""):
    return None


def only_request(request):
    return None


def with_kwargs(request, **kwargs):
    return None


def keyword_only(request, *, reason=None):
    return None


def positional_only(request, reason="", /):
    return None


def too_many(request, reason, extra):
    return None


def star_args(*args, **kwargs):
    return None


async def async_good(request, reason=""):
    return None


def reason_first(reason, request=None):
    return None
'''
FAILURE_VIEWS = [
    UNSET,
    "django.views.csrf.csrf_failure",
    "{pkg}.views.good",
    "{pkg}.views.only_request",
    "{pkg}.views.with_kwargs",
    "{pkg}.views.keyword_only",
    "{pkg}.views.positional_only",
    "{pkg}.views.too_many",
    "{pkg}.views.star_args",
    "{pkg}.views.async_good",
    "{pkg}.views.reason_first",
    "nodots",
]


def lit(v):
    return repr(v)


def choose(rng):
    """One random combination: every dimension, each value or UNSET."""
    case = {}
    for name, values in DIMENSIONS.items():
        # Leave about a third of the settings at Django's default.
        case[name] = UNSET if rng.random() < 0.33 else rng.choice(values)
    case["_cache"] = rng.choice(CACHE_LAYOUTS)
    case["_view"] = rng.choice(FAILURE_VIEWS)
    case["_style"] = rng.choice(["flat", "flat", "layered", "edits", "branches"])
    return case


def golden_cases():
    """The hand-written cases of the reference: startproject, then hardened, then the traps."""
    startproject = {
        "DEBUG": True,
        "ALLOWED_HOSTS": [],
        "SECRET_KEY": "django-insecure-" + "q" * 10 + "w8e7r6t5y4u3i2o1p0asdfghjklzx",
        "INSTALLED_APPS": ["django.contrib.contenttypes", "django.contrib.sessions"],
        "MIDDLEWARE": [SEC, SESS, COMMON, CSRF, XFO],
    }
    hardened = dict(
        startproject,
        DEBUG=False,
        ALLOWED_HOSTS=["app.example.com"],
        SECRET_KEY=GOOD_KEY + "Zz9Yy8Xx7Ww6Vv5U",
        SECURE_HSTS_SECONDS=31536000,
        SECURE_HSTS_INCLUDE_SUBDOMAINS=True,
        SECURE_HSTS_PRELOAD=True,
        SECURE_SSL_REDIRECT=True,
        SESSION_COOKIE_SECURE=True,
        CSRF_COOKIE_SECURE=True,
    )
    return [
        startproject,
        hardened,
        dict(hardened, SESSION_COOKIE_SECURE="1"),
        dict(hardened, ALLOWED_HOSTS=["*"]),
        dict(hardened, SECRET_KEY="y" * 49),
        dict(hardened, SECRET_KEY="abcd" * 20),
        dict(hardened, MIDDLEWARE=[SESS, COMMON, CSRF, XFO], SECURE_HSTS_SECONDS=0, SECURE_SSL_REDIRECT=False),
        dict(hardened, SECURE_HSTS_SECONDS=None, SECURE_HSTS_PRELOAD=False),
    ]


def render_settings(case, pkg):
    """The module text(s) for a case: {relative path: text}. Styles exercise the evaluator."""
    values = {k: v for k, v in case.items() if not k.startswith("_") and v is not UNSET}
    cache = case.get("_cache")
    extra = []
    if cache:
        for k in ("MEDIA_ROOT", "STATIC_ROOT", "STATICFILES_DIRS"):
            if k in cache:
                values[k] = cache[k]
        extra.append(
            "CACHES = {\n    'default': {'BACKEND': 'django.core.cache.backends.locmem.LocMemCache'},\n"
            f"    'files': {{'BACKEND': 'django.core.cache.backends.filebased.FileBasedCache', 'LOCATION': {cache['LOCATION']!r}}},\n}}"
        )
    view = case.get("_view", UNSET)
    if view is not UNSET:
        values["CSRF_FAILURE_VIEW"] = view.format(pkg=pkg)
    style = case.get("_style", "flat")
    header = "# generated by tests/settings-parity/parity.py\n"
    boot = ""
    if style == "flat":
        body = "".join(f"{k} = {lit(v)}\n" for k, v in values.items())
        return {"settings/production.py": header + boot + body + "\n".join(extra) + "\n"}
    if style == "layered":
        # A base module sets everything to a decoy, the production module overrides half of it.
        names = list(values)
        base_part = names[: len(names) // 2]
        base = header + boot + "".join(f"{k} = {lit(values[k])}\n" for k in base_part)
        base += "DEBUG = True\nSECRET_KEY = 'decoy'\n" if "DEBUG" not in base_part else ""
        base += "\n".join(extra) + "\n"
        prod = header + "from .base import *  # noqa\n\n"
        prod += "".join(f"{k} = {lit(values[k])}\n" for k in names[len(names) // 2 :])
        if "DEBUG" not in values:
            # Restore Django's default explicitly so the decoy does not leak.
            prod += "DEBUG = False\n"
        if "SECRET_KEY" not in values:
            prod += "SECRET_KEY = ''\n"
        return {"settings/base.py": base, "settings/production.py": prod}
    if style == "edits":
        # Lists built by augmented assignment, append, insert and remove; dicts by item assignment.
        lines = [header, boot]
        for k, v in values.items():
            if k == "MIDDLEWARE" and isinstance(v, list) and len(v) >= 2:
                lines.append(f"MIDDLEWARE = [{v[0]!r}, 'myproject.middleware.Removed']\n")
                lines.append(f"MIDDLEWARE += {v[1:-1]!r}\n" if len(v) > 2 else "")
                lines.append(f"MIDDLEWARE.append({v[-1]!r})\n")
                lines.append("MIDDLEWARE.remove('myproject.middleware.Removed')\n")
                lines.append("MIDDLEWARE.insert(0, 'django.middleware.gzip.GZipMiddleware')\n")
            elif k == "INSTALLED_APPS" and isinstance(v, list):
                lines.append("INSTALLED_APPS = []\n")
                lines.extend(f"INSTALLED_APPS.append({a!r})\n" for a in v)
            else:
                lines.append(f"{k} = {lit(v)}\n")
        lines.extend(e + "\n" for e in extra)
        if extra:
            lines.append("CACHES['default']['TIMEOUT'] = 60\n")
        return {"settings/production.py": "".join(lines)}
    # branches: decidable conditions pick one side; the other side holds a decoy.
    lines = [header, boot, "STAGE = 'production'\n"]
    for i, (k, v) in enumerate(values.items()):
        if i % 3 == 0:
            lines.append(f"if STAGE == 'production':\n    {k} = {lit(v)}\nelse:\n    {k} = 'decoy-{k}'\n")
        elif i % 3 == 1:
            lines.append(f"if not STAGE:\n    {k} = 'decoy'\nelse:\n    {k} = {lit(v)}\n")
        else:
            lines.append(f"{k} = {lit(v)}\n")
    lines.extend(e + "\n" for e in extra)
    return {"settings/production.py": "".join(lines)}


def write_case(root, index, case):
    pkg = f"case{index:04d}"
    d = os.path.join(root, pkg)
    os.makedirs(os.path.join(d, "settings"), exist_ok=True)
    for rel, text in render_settings(case, pkg).items():
        with open(os.path.join(d, rel), "w") as f:
            f.write(text)
    open(os.path.join(d, "__init__.py"), "w").close()
    # The settings package imports nothing: the module Django loads is settings.production.
    open(os.path.join(d, "settings", "__init__.py"), "w").close()
    with open(os.path.join(d, "views.py"), "w") as f:
        f.write(VIEWS)
    return pkg


def django_ids(python, root, packages):
    """Runs real Django on every case (in the virtualenv's Python) and returns {pkg: [ids]}."""
    script = r'''
import json, os, sys
root, packages = sys.argv[1], sys.argv[2:]
sys.path.insert(0, root)
import django, django.core.checks  # imported once; each case runs in a fork with fresh settings
out = {}
for pkg in packages:
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        try:
            os.environ["DJANGO_SETTINGS_MODULE"] = pkg + ".settings.production"
            django.setup()
            from django.core.checks import run_checks
            # As `manage.py check` does: silenced messages are dropped.
            ids = [m.id for m in run_checks(include_deployment_checks=True) if not m.is_silenced()]
            payload = json.dumps({"ids": ids})
        except BaseException as e:
            payload = json.dumps({"error": repr(e)})
        os.write(w, payload.encode())
        os.close(w)
        os._exit(0)
    os.close(w)
    data = b""
    while chunk := os.read(r, 65536):
        data += chunk
    os.close(r)
    os.waitpid(pid, 0)
    out[pkg] = json.loads(data or b'{"error": "no output"}')
print(json.dumps(out))
'''
    res = subprocess.run([python, "-c", script, root, *packages], capture_output=True, text=True, check=True)
    return json.loads(res.stdout)


def djreview_ids(djreview, case_dir):
    res = subprocess.run(
        [djreview, "check", "--format", "json", "--fail-on", "never", case_dir],
        capture_output=True,
        text=True,
    )
    if res.returncode != 0:
        raise RuntimeError(f"djreview failed on {case_dir}: {res.stderr}")
    report = json.loads(res.stdout)
    return [f["django_id"] for f in report["findings"] if f.get("django_id")]


def compared(ids):
    return sorted(i for i in ids if i.startswith(COMPARED_PREFIXES))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--djreview", required=True)
    ap.add_argument("--python", required=True, help="a Python with Django installed")
    ap.add_argument("--out", default="target/settings-parity")
    ap.add_argument("--cases", type=int, default=400)
    ap.add_argument("--seed", type=int, default=20261127)
    args = ap.parse_args()

    root = os.path.abspath(os.path.join(args.out, "cases"))
    shutil.rmtree(root, ignore_errors=True)
    os.makedirs(root)
    rng = random.Random(args.seed)
    cases = [dict(c, _style="flat") for c in golden_cases()]
    cases += [choose(rng) for _ in range(args.cases - len(cases))]
    packages = [write_case(root, i, c) for i, c in enumerate(cases)]

    version = subprocess.run([args.python, "-c", "import django; print(django.get_version())"],
                             capture_output=True, text=True, check=True).stdout.strip()
    expected = django_ids(args.python, root, packages)
    disagreements, errors, seen = [], [], set()
    for pkg in packages:
        e = expected[pkg]
        if "error" in e:
            errors.append((pkg, e["error"]))
            continue
        want = compared(e["ids"])
        got = compared(djreview_ids(args.djreview, os.path.join(root, pkg)))
        seen.update(want)
        if want != got:
            disagreements.append((pkg, want, got))
    agreed = len(packages) - len(disagreements) - len(errors)
    print(f"Django {version}: {len(packages)} generated settings modules, {agreed} agree, "
          f"{len(disagreements)} disagree, {len(errors)} could not be loaded by Django")
    print(f"IDs Django reported across the family ({len(seen)}): {' '.join(sorted(seen))}")
    for pkg, want, got in disagreements[:20]:
        print(f"  {pkg}: Django {want}\n  {' ' * len(pkg)}  djreview {got}")
    for pkg, err in errors[:10]:
        print(f"  {pkg}: Django could not load it: {err}")
    missing = MUST_COVER - seen
    if missing:
        print(f"The generated family never made Django report: {' '.join(sorted(missing))}")
    return 0 if not disagreements and not errors and not missing else 1


if __name__ == "__main__":
    sys.exit(main())
