#!/usr/bin/env python3
"""Hostile-input suite of the `infoscale` program (issue 19), end to end.

Generates malformed and extreme inputs for every format and option, runs the program on each and
asserts the exact outcome: the exit code (0 success, 1 bad data or an I/O fault, 2 a usage error),
a message naming the argument or file and the problem, or the correct value (checked against a
reference computed here). Never a signal, a hang (every run has a timeout), or a silent wrong answer.

Standard library only, so it runs wherever ctest does (Release and sanitizer stages of
scripts/test.sh). Usage: run_hostile.py PATH/TO/infoscale WORKDIR
Prints one line per category with the number of inputs tried; exits 1 on the first failure list.
"""

import json
import math
import os
import signal
import struct
import subprocess
import sys
import threading
import time

PROGRAM = os.path.abspath(sys.argv[1])
WORK = sys.argv[2]
os.makedirs(WORK, exist_ok=True)
TIMEOUT = 60  # seconds per run: sanitizer builds are slow, a hang is still caught

failures = []
tried = {}
errors = {}  # inputs that must end in a clear error (exit 1 or 2 with a message), per category


def path(name):
    return os.path.join(WORK, name)


def write(name, data):
    p = path(name) if isinstance(name, str) else os.path.join(os.fsencode(WORK), name)
    with open(p, "wb") as f:
        f.write(data)
    return p


def npy(shape, values=None, descr="<f8", fortran=False, version=(1, 0), header_extra=""):
    """An .npy image (numpy/lib/format.py layout) with float64 (or `descr`) data."""
    shape_text = "(" + "".join(f"{n}, " if len(shape) == 1 else f"{n}," for n in shape).rstrip(",") + ")"
    if len(shape) > 1:
        shape_text = "(" + ", ".join(str(n) for n in shape) + ")"
    header = "{'descr': '%s', 'fortran_order': %s, 'shape': %s, %s}" % (
        descr, "True" if fortran else "False", shape_text, header_extra)
    prefix_len = 10 if version[0] == 1 else 12
    pad = (64 - (prefix_len + len(header) + 1) % 64) % 64
    header = header + " " * pad + "\n"
    length = struct.pack("<H", len(header)) if version[0] == 1 else struct.pack("<I", len(header))
    data = b""
    if values is not None:
        code = {"<f8": "d", "<f4": "f", "<i8": "q", "<i4": "i"}[descr]
        data = struct.pack("<%d%s" % (len(values), code), *values)
    return b"\x93NUMPY" + bytes(version) + length + header.encode("latin-1") + data


def safetensors(tensors, header_override=None):
    """A safetensors image: tensors is a list of (name, dtype, shape, bytes)."""
    header, offset, data = {}, 0, b""
    for name, dtype, shape, payload in tensors:
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + len(payload)]}
        offset += len(payload)
        data += payload
    text = (header_override if header_override is not None else json.dumps(header)).encode()
    return struct.pack("<Q", len(text)) + text + data


def run(args, stdin=None, stdout=subprocess.PIPE, timeout=TIMEOUT):
    try:
        p = subprocess.run([PROGRAM] + args, stdin=stdin, stdout=stdout, stderr=subprocess.PIPE,
                           timeout=timeout, cwd=WORK)
    except subprocess.TimeoutExpired:
        return None, b"", b"TIMEOUT"
    return p.returncode, p.stdout or b"", p.stderr


def check(category, label, args, rc, *needles, stdin=None, stdout=subprocess.PIPE, max_message=2000):
    """Runs and asserts exit code `rc` and that stderr contains every needle (bytes or str)."""
    tried[category] = tried.get(category, 0) + 1
    if rc != 0:
        errors[category] = errors.get(category, 0) + 1
    code, out, err = run(args, stdin=stdin, stdout=stdout)
    problems = []
    if code is None:
        problems.append("hung (timeout)")
    elif code < 0:
        problems.append("killed by signal %s" % signal.Signals(-code).name)
    elif code != rc:
        problems.append("exit code %d, expected %d" % (code, rc))
    for needle in needles:
        if (needle.encode() if isinstance(needle, str) else needle) not in err:
            problems.append("stderr lacks %r" % needle)
    if len(err) > max_message:
        problems.append("message of %d bytes (cap lists)" % len(err))
    if problems:
        failures.append("%s / %s: %s\n    args: %r\n    stderr: %s" % (
            category, label, "; ".join(problems), args, err[:600].decode("utf-8", "replace")))
    return out


def expect(category, label, condition, detail=""):
    tried[category] = tried.get(category, 0) + 1
    if not condition:
        failures.append("%s / %s: %s" % (category, label, detail))


def thermo_json(args):
    code, out, err = run(["thermo", "--no-progress", "--json"] + args)
    if code != 0:
        return None, err
    return json.loads(out), err


def entropy_reference(row):
    m = max(row)
    w = [math.exp(x - m) for x in row]
    z = sum(w)
    return -sum(wi / z * math.log(wi / z) for wi in w if wi > 0)


# ---- .npy files that are malformed in every part of the format --------------------------------
good = npy((2, 3), [0.0, 1.0, 2.0, 3.0, 4.0, 5.0])
npy_cases = {
    "empty file": (b"", "is empty"),
    "five bytes": (b"\x93NUM", "magic is corrupted"),
    "five text bytes": (b"hello", "is neither"),
    "corrupted magic": (b"\x94" + good[1:], "magic is corrupted"),
    "corrupted magic letters": (good[:1] + b"NUMPX" + good[6:], "magic is corrupted"),
    "bad version": (good[:6] + b"\x09\x00" + good[8:], "unsupported .npy format version"),
    "header past end": (good[:8] + struct.pack("<H", 65535) + good[10:], "past the end"),
    "header not a dict": (good[:10] + b"[" + good[11:], "malformed header"),
    "unknown key": (npy((2, 3), [0.0] * 6, header_extra="'x': 1, "), "unexpected header key"),
    "big-endian": (npy((2, 3), None, descr=">f8") + b"\0" * 48, "big-endian"),
    "structured dtype": (good.replace(b"'<f8'", b"[('a','<f8')]"[:5]), "structured dtype"),
    "shape overflow": (npy((2 ** 62, 2 ** 62), []), "overflows"),
    "data truncated": (good[:-8], "truncated"),
    "trailing data": (good + b"\0" * 8, ""),
    "43 dimensions": (npy(tuple([1] * 43), [1.0]), "more than 32 dimensions"),
    "unsupported dtype": (npy((2, 3), None, descr="<c16") + b"\0" * 96, "dtype"),
    "rank 1": (npy((3,), [1.0, 2.0, 3.0]), "logits need at least 2 axes"),
    "integers as logits": (npy((2, 2), [1, 2, 3, 4], descr="<i8"), "not floating-point logits"),
}
for label, (data, needle) in npy_cases.items():
    file_name = "bad_%s.npy" % label.replace(" ", "_")
    write(file_name, data)
    needles = [file_name] + ([needle] if needle else [])
    check("malformed .npy", label, ["thermo", "--no-progress", file_name], 1, *needles)

# ---- safetensors files, malformed ----------------------------------------------------------------
f8 = struct.pack("<6d", 0, 1, 2, 3, 4, 5)
st_cases = {
    "header length huge": (struct.pack("<Q", 2 ** 63) + b"{}", "past the end of the file"),
    "header not JSON": (struct.pack("<Q", 5) + b"{oops", "not valid JSON"),
    "header JSON array": (struct.pack("<Q", 2) + b"[]", "is neither"),
    "unsupported dtype": (safetensors([("x", "C64", [2, 3], f8)]), "unsupported dtype"),
    "offsets out of order": (safetensors([], '{"x":{"dtype":"F64","shape":[2,3],"data_offsets":[48,0]}}') + f8,
                             "out of order"),
    "offsets past end": (safetensors([], '{"x":{"dtype":"F64","shape":[2,3],"data_offsets":[0,4800]}}') + f8,
                         "past the end of the data"),
    "overlap": (safetensors([], '{"x":{"dtype":"F64","shape":[2,3],"data_offsets":[0,48]},'
                                '"y":{"dtype":"F64","shape":[2,3],"data_offsets":[0,48]}}') + f8, "overlapping"),
    "gap": (safetensors([], '{"x":{"dtype":"F64","shape":[2,2],"data_offsets":[16,48]}}') + f8, "gap"),
    "shape mismatch": (safetensors([("x", "F64", [3, 3], f8)]), "shape needs 72 bytes"),
    "shape overflow": (safetensors([], '{"x":{"dtype":"F64","shape":[4611686018427387904,8],'
                                       '"data_offsets":[0,48]}}') + f8, "overflows"),
    "negative dimension": (safetensors([], '{"x":{"dtype":"F64","shape":[-2,3],"data_offsets":[0,48]}}') + f8,
                           "not a non-negative integer"),
    "unknown field": (safetensors([], '{"x":{"dtype":"F64","shape":[2,3],"data_offsets":[0,48],"y":1}}') + f8,
                      "unknown field"),
    "metadata not strings": (safetensors([], '{"__metadata__":{"a":1}}'), "not a string"),
    "deep nesting": (safetensors([], "[" * 10000 + "]" * 10000), "is neither"),
    "deep nesting in object": (safetensors([], '{"x":' + "[" * 10000 + "]" * 10000 + "}"),
                               "whose entry is not an object"),
}
for label, (data, needle) in st_cases.items():
    file_name = "bad_%s.safetensors" % label.replace(" ", "_")
    write(file_name, data)
    check("malformed safetensors", label, ["thermo", "--no-progress", file_name], 1, file_name, needle)

# 200,000 tensors: the message lists a few names and counts the rest instead of 1.8 MB of names.
many = {"t%06d" % i: {"dtype": "F64", "shape": [0], "data_offsets": [0, 0]} for i in range(200_000)}
write("many.safetensors", safetensors([], json.dumps(many)))
check("malformed safetensors", "200,000 tensors, none named", ["thermo", "--no-progress", "many.safetensors"], 1,
      "holds 200000 tensors; name one", "more)", max_message=1000)
check("malformed safetensors", "200,000 tensors, wrong name",
      ["thermo", "--no-progress", "many.safetensors", "--tensor", "nope"], 1, "no tensor named 'nope'", "more)",
      max_message=1000)

# ---- options: every float option must be finite, library checks are usage errors (exit 2) -------
write("good.npy", good)
option_cases = [
    ("-t nan", ["thermo", "good.npy", "-t", "nan"], "--temperature"),
    ("-t inf", ["thermo", "good.npy", "-t", "inf"], "--temperature"),
    ("-t -1", ["thermo", "good.npy", "-t", "-1"], "--temperature"),
    ("-t 0", ["thermo", "good.npy", "-t", "0"], "--temperature"),
    ("-t 1,nan", ["thermo", "good.npy", "-t", "1,nan"], "--temperature"),
    ("-t empty", ["thermo", "good.npy", "-t", ""], "--temperature"),
    ("--dtype bogus", ["thermo", "good.npy", "--dtype", "int4"], "--dtype"),
    ("directory as logits", ["thermo", WORK], "LOGITS"),
    ("level --vocab 1", ["level", "--params", "1e9", "--vocab", "1"], "vocabulary"),
    ("level --vocab nan", ["level", "--params", "1e9", "--vocab", "nan"], "--vocab"),
    ("level --params inf", ["level", "--params", "inf", "--vocab", "5e4"], "--params"),
    ("level --params 1", ["level", "--params", "1", "--vocab", "5e4"], ""),
    ("level --kappa nan", ["level", "-P", "1e9", "-V", "5e4", "--kappa", "nan"], "--kappa"),
    ("level --calibration nan", ["level", "-P", "1e9", "-V", "5e4", "--calibration", "nan,1,2"], "--calibration"),
    ("level --calibration huge", ["level", "-P", "1e9", "-V", "5e4", "--calibration", "1e308,1e308,1e308"], ""),
    ("layers --min-prominence nan", ["layers", "--min-prominence", "nan"], "--min-prominence"),
    ("layers --min-prominence inf", ["layers", "--min-prominence", "inf"], "--min-prominence"),
    ("layers --weights nan", ["layers", "--weights", "nan,1,1"], "--weights"),
]
for label, args, needle in option_cases:
    check("options", label, args, 2, *([needle] if needle else []))

# ---- empty and one-element inputs ---------------------------------------------------------------
for label, shape in [("(0, 8)", (0, 8)), ("(0, 0)", (0, 0)), ("(8, 0)", (8, 0)), ("(2, 0, 8)", (2, 0, 8))]:
    name = "empty_%s.npy" % "x".join(map(str, shape))
    write(name, npy(shape, []))
    check("empty and one-element", "npy " + label, ["thermo", "--no-progress", name], 1, name, "is empty")
write("empty.safetensors", safetensors([("logits", "F32", [0, 8], b"")]))
check("empty and one-element", "safetensors [0, 8]", ["thermo", "--no-progress", "empty.safetensors"], 1, "is empty")
check("empty and one-element", "compare (0, 8)", ["compare", "empty_0x8.npy", "empty_0x8.npy"], 1, "is empty")
write("one.npy", npy((1, 1), [3.5]))
result, err = thermo_json(["one.npy"])
expect("empty and one-element", "(1, 1): entropy 0, free energy -logit",
       result is not None and result["temperatures"][0]["entropy"]["mean"] == 0.0
       and abs(result["temperatures"][0]["free_energy"]["mean"] + 3.5) < 1e-12, repr(err))
write("two.npy", npy((1, 2), [7.0, 7.0]))
result, err = thermo_json(["two.npy"])
expect("empty and one-element", "(1, 2) equal logits: entropy ln 2",
       result is not None and abs(result["temperatures"][0]["entropy"]["mean"] - math.log(2)) < 1e-12, repr(err))

# ---- extreme scales: correct values, or a clear error for non-finite data ----------------------
base_rows = [[0.0, 1.0, 2.0, -1.0], [3.0, 3.0, -2.0, 0.5]]
for scale in [1e-300, 1e-30, 1.0, 1e30, 1e300]:
    rows = [[x * scale for x in r] for r in base_rows]
    name = "scale_%g.npy" % scale
    write(name, npy((2, 4), [x for r in rows for x in r]))
    result, err = thermo_json([name])
    want = sum(entropy_reference(r) for r in rows) / 2
    got = None if result is None else result["temperatures"][0]["entropy"]["mean"]
    expect("extreme scales", "entropy of logits x %g" % scale,
           got is not None and abs(got - want) <= 1e-9 * max(1.0, abs(want)), "got %r want %r %r" % (got, want, err))
for label, value, needle in [("NaN", float("nan"), "contains NaN"), ("+inf", float("inf"), "contains an infinity"),
                             ("-inf", float("-inf"), "contains an infinity")]:
    name = "nonfinite_%s.npy" % label.replace("+", "plus").replace("-", "minus")
    write(name, npy((2, 2), [0.0, 1.0, value, 2.0]))
    check("extreme scales", "logit " + label, ["thermo", "--no-progress", name], 1, "'logits'", needle)
write("huge_temperature.npy", good)
result, err = thermo_json(["good.npy", "-t", "1e300"])
expect("extreme scales", "T = 1e300: entropy ln 3", result is not None
       and abs(result["temperatures"][0]["entropy"]["mean"] - math.log(3)) < 1e-9, repr(err))
result, err = thermo_json(["good.npy", "-t", "1e-300"])
expect("extreme scales", "T = 1e-300: entropy 0", result is not None
       and result["temperatures"][0]["entropy"]["mean"] == 0.0, repr(err))

# ---- non-regular files and streams ---------------------------------------------------------------
check("non-regular files", "/dev/zero", ["thermo", "/dev/zero"], 1, "/dev/zero", "is a character device")
check("non-regular files", "/dev/urandom", ["thermo", "/dev/urandom"], 1, "/dev/urandom", "is a character device")
check("non-regular files", "/dev/null", ["thermo", "/dev/null"], 1, "is a character device")
fifo = path("fifo")
if os.path.exists(fifo):
    os.remove(fifo)
os.mkfifo(fifo)
check("non-regular files", "FIFO with no writer (no hang)", ["thermo", "--no-progress", fifo], 1, "fifo")
reference = run(["thermo", "--no-progress", "good.npy"])[1]
read_end, write_end = os.pipe()
writer = threading.Thread(target=lambda: (os.write(write_end, good), os.close(write_end)))
writer.start()
piped = check("non-regular files", "pipe on /dev/stdin", ["thermo", "--no-progress", "/dev/stdin"], 0, stdin=read_end)
writer.join()
os.close(read_end)
expect("non-regular files", "pipe gives the file's numbers",
       piped.split(b"\n")[1:] == reference.split(b"\n")[1:], piped[:300])

# ---- output faults ----------------------------------------------------------------------------
if os.path.exists("/dev/full"):
    with open("/dev/full", "wb") as full:
        for label, args in [("thermo text", ["thermo", "--no-progress", "good.npy"]),
                            ("thermo --json", ["thermo", "--no-progress", "--json", "good.npy"]),
                            ("level", ["level", "-P", "1e9", "-V", "5e4"]),
                            ("--help", ["--help"])]:
            check("output faults", label + " > /dev/full", args, 1, "cannot write the output", stdout=full)
non_utf8 = write(b"caf\xe9.npy", good)
code, out, err = run(["thermo", "--no-progress", "--json", os.fsdecode(non_utf8)])
try:
    parsed = json.loads(out)
except ValueError:
    parsed = None
expect("output faults", "--json with a non-UTF-8 path: valid JSON, right numbers",
       code == 0 and parsed is not None and "\ufffd" in parsed["logits"], "rc %r err %r" % (code, err))

# ---- concurrent runs on one file -----------------------------------------------------------------
rows, vocabulary = 512, 256
big = npy((rows, vocabulary), [math.sin(i * 0.37) * 5 for i in range(rows * vocabulary)])
write("shared.npy", big)
outputs = [None] * 6


def one(i):
    outputs[i] = run(["thermo", "--no-progress", "--json", "-t", "0.5,1,2", "shared.npy"])


threads = [threading.Thread(target=one, args=(i,)) for i in range(len(outputs))]
for t in threads:
    t.start()
for t in threads:
    t.join()
expect("concurrent runs", "6 simultaneous runs agree byte for byte",
       all(o[0] == 0 for o in outputs) and len({o[1] for o in outputs}) == 1, repr([o[0] for o in outputs]))
tried["concurrent runs"] = tried.get("concurrent runs", 0) + len(outputs) - 1

# ---- a mapped file changed while it is read: truncation is an error (never SIGBUS, never numbers
# read from zeros); unlinking or renaming over it leaves the mapped inode, so the numbers are right.
rows, vocabulary = 8192, 1024  # 64 MB of float64
header = npy((rows, vocabulary), None)
name = path("shrinking.npy")
chunk = struct.pack("<%dd" % vocabulary, *[float(i % 7) for i in range(vocabulary)])


def make_big():
    with open(name, "wb") as f:
        f.write(header)
        for _ in range(rows):
            f.write(chunk)


def while_mapped(label, action, passes):
    """Runs thermo with `passes` temperatures over the big file, applies `action` once the file is
    mapped (seen in /proc/PID/maps), and returns (mapped, exit code, stdout, stderr)."""
    make_big()
    proc = subprocess.Popen([PROGRAM, "thermo", "--no-progress", "-t", ",".join(["1"] * passes), name],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    mapped = False
    deadline = time.time() + TIMEOUT
    while time.time() < deadline and proc.poll() is None:
        try:
            with open("/proc/%d/maps" % proc.pid) as maps:
                if name in maps.read():
                    mapped = True
                    break
        except OSError:
            break
        time.sleep(0.005)
    if mapped:
        action()
    try:
        out, err = proc.communicate(timeout=TIMEOUT)
        code = proc.returncode
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err, code = b"", b"TIMEOUT", None
    tried["file faults"] = tried.get("file faults", 0) + 1
    if code is None or code < 0:
        failures.append("file faults / %s: %s" % (label, "hung" if code is None else "signal %d" % -code))
    print("%s: mapped %s, exit code %s %s" % (label, mapped, code, err.decode("utf-8", "replace").strip()[:160]))
    return mapped, code, out, err


mapped, code, out, err = while_mapped("truncated while mapped", lambda: os.truncate(name, len(header) + 4096), 40)
errors["file faults"] = errors.get("file faults", 0) + 1
if mapped and (code != 1 or b"shrank" not in err):
    # 40 passes over 64 MB take far longer than the truncation's delay: exit 0 here would mean
    # numbers computed from zeros went unreported. The truncation can land while the file is still
    # being opened (the mapping is visible before the size is re-checked: "shrank while it was
    # being opened") or while it is read ("shrank (was truncated)"); both are the clear error.
    failures.append("file faults / truncated while mapped: rc %r, stderr %r" % (code, err[:300]))
elif not mapped and code != 0:
    failures.append("file faults / never saw the mapping: rc %r, stderr %r" % (code, err[:300]))
make_big()
reference_big = run(["thermo", "--no-progress", "-t", "1,1", name])[1]
for label, action in [("unlinked while mapped", lambda: os.remove(name)),
                      ("renamed over while mapped", lambda: os.replace(path("good.npy"), name))]:
    mapped, code, out, err = while_mapped(label, action, 2)
    if code is not None and code >= 0 and (code != 0 or out.split(b"\n")[1:] != reference_big.split(b"\n")[1:]):
        failures.append("file faults / %s: rc %r, output differs from the file's" % (label, code))
    write("good.npy", good)
if os.path.exists(name):
    os.remove(name)

# ---- report ---------------------------------------------------------------------------------
total = sum(tried.values())
for category, n in tried.items():
    e = errors.get(category, 0)
    print("%-24s %3d inputs: %3d clear errors, %3d correct values" % (category, n, e, n - e))
print("%-24s %3d inputs: %3d clear errors, %3d correct values; %d failures (crash, hang, wrong outcome)" % (
    "total", total, sum(errors.values()), total - sum(errors.values()), len(failures)))
if failures:
    print("\n".join(failures))
    sys.exit(1)
