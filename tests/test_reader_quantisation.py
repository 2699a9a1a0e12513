"""The shipped reader model's quantisation: 7-bit weights, so that a processor without VNNI reads the same scores.

docs/reader-model.md ("Seven-bit weights"): with 8-bit weights, ONNX Runtime's AVX2 kernel adds pairs of products in
16 bits, which saturates, and the same model read other answer logits there than on AVX-512 VNNI.
"""

import json
import platform
import shutil
import subprocess
import sys

import numpy as np
import onnx
import pytest
from onnx import numpy_helper

from assistant.answer_model import MODEL_DIR, AnswerModel
from assistant.train.export import PROBES, dequantized, requantize

QEMU = shutil.which("qemu-x86_64")


def _integer_weights(model_file):
    model = onnx.load(str(model_file))
    initial = {i.name: i for i in model.graph.initializer}
    return [numpy_helper.to_array(initial[n.input[1]]) for n in model.graph.node if n.op_type == "MatMulInteger"]


def _logits(directory, pairs=PROBES):
    model = AnswerModel(directory, threads=1)
    return np.array([model.score(q, [s])[0].logit for q, s in pairs])


def test_the_shipped_reader_multiplies_by_weights_of_seven_bits():
    weights = _integer_weights(MODEL_DIR / "model.onnx")
    assert len(weights) == 38  # six layers of Q, K, V, output, two feed-forward; the answer and span heads
    assert all(w.dtype == np.int8 for w in weights)
    # symmetric in [-64, 64] (ONNX Runtime's reduce_range): two products of 255 x 64 add up within 16 bits
    assert min(int(w.min()) for w in weights) >= -64 and max(int(w.max()) for w in weights) <= 64
    # and they use that range: a 7-bit model is not an 8-bit one that happens to be small
    assert max(int(np.abs(w).max()) for w in weights) == 64
    config = json.loads((MODEL_DIR / "config.json").read_text(encoding="utf-8"))
    assert "7 bits" in config["quantization"]


def test_the_float_form_reads_what_the_integer_model_reads(tmp_path):
    onnx.save(dequantized(MODEL_DIR / "model.onnx"), str(tmp_path / "model.onnx"))
    for name in ("tokenizer.json", "config.json"):
        shutil.copy(MODEL_DIR / name, tmp_path / name)
    ops = {n.op_type for n in onnx.load(str(tmp_path / "model.onnx")).graph.node}
    assert "MatMulInteger" not in ops and "DynamicQuantizeLinear" not in ops
    floats, integers = _logits(tmp_path), _logits(MODEL_DIR)
    assert np.max(np.abs(floats - integers)) < 0.5  # activation rounding is all that differs
    # the three answering probes score above the one whose sentence is about something else, in both
    assert min(floats[:3]) > floats[3] and min(integers[:3]) > integers[3]


def test_requantizing_the_shipped_model_gives_back_its_scores_and_keeps_its_calibration(tmp_path):
    shutil.copytree(MODEL_DIR, tmp_path / "reader")
    before = json.loads((MODEL_DIR / "config.json").read_text(encoding="utf-8"))
    requantize(tmp_path / "reader")
    after = json.loads((tmp_path / "reader" / "config.json").read_text(encoding="utf-8"))
    assert {k: v for k, v in after.items() if k != "weights_sha256"} == \
        {k: v for k, v in before.items() if k != "weights_sha256"}
    # a 7-bit model dequantised and quantised again per channel lands on the same grid: the same weights
    shipped, again = _integer_weights(MODEL_DIR / "model.onnx"), _integer_weights(tmp_path / "reader" / "model.onnx")
    assert all(np.array_equal(old, new) for old, new in zip(shipped, again, strict=True))
    assert np.array_equal(_logits(tmp_path / "reader"), _logits(MODEL_DIR))


def test_requantize_and_export_say_in_one_sentence_what_is_missing(tmp_path, capsys):
    from assistant.train.cli import main

    with pytest.raises(SystemExit) as stop:
        main(["requantize", "--model", str(tmp_path)])
    assert stop.value.code == 2
    assert f"{tmp_path} holds no reader model (model.onnx and config.json)" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["export", "--weights", str(tmp_path / "final.pt"), "--out", str(tmp_path / "out")])
    assert "there are no trained weights at" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


_READ = """
import json, sys
sys.path.insert(0, sys.argv[1])
from assistant.answer_model import AnswerModel, MODEL_DIR
model = AnswerModel(MODEL_DIR, threads=1)
print(json.dumps([model.score(q, [s])[0].logit for q, s in json.loads(sys.argv[2])]))
"""


@pytest.mark.skipif(platform.machine() != "x86_64", reason="ONNX Runtime's x86-64 kernels: an x86-64 machine only")
@pytest.mark.skipif(QEMU is None, reason="qemu-user is not installed (make test installs it as root)")
def test_a_processor_with_avx2_and_no_avx512_reads_the_same_scores():
    """The reader run under qemu's Haswell (AVX2, no AVX-512, no VNNI): ONNX Runtime picks the kernels such a laptop
    uses, and the answer logits are those read natively. (On a machine without VNNI itself, both readings use the
    AVX2 kernels; the 8-bit model differed by up to 0.16 on these probes between VNNI and AVX2.)"""
    from conftest import ROOT

    run = subprocess.run([QEMU, "-cpu", "Haswell", sys.executable, "-c", _READ, str(ROOT), json.dumps(PROBES)],
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-2000:]
    emulated = np.array(json.loads(run.stdout.strip().splitlines()[-1]))
    assert np.max(np.abs(emulated - _logits(MODEL_DIR))) < 0.05
