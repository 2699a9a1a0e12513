"""The answer probability: how likely the best candidate is to answer, from what the reader knows of it.

A logistic function of the best candidate's features (reader.ANSWER_FEATURES: its answer score, its lead, the
model's logit, cosine, span confidence and the rule signals): a weighted sum, as shipped, or one that also
weighs their pairwise products, standardised first so that the products share one scale (tried 2026-12-03 and
not shipped: docs/answering.md, section 3). assistant/train/calibrate.py fits it; config.json keeps it as

    {"features": [...], "weights": [...], "bias": b}                      (a weighted sum, as before)
    {"features": [...], "mean": [...], "scale": [...], "weights": [...],
     "pairs": [[w00, w01, ...], [0, w11, ...], ...], "bias": b}            (with products: u = (x - mean) / scale,
                                                                           logit = u.w + sum_i<=j pairs_ij u_i u_j + b)
"""

from __future__ import annotations

import numpy as np

from .answer_model import sigmoid


class AnswerProbability:
    def __init__(self, block: dict, order: tuple[str, ...]):
        """block: the fitted answer probability of config.json; order: the features the reader computes, in its
        order. A feature the fit did not know weighs nothing."""
        names = list(block.get("features", order[:1]))
        n = len(order)
        index = {name: order.index(name) for name in names if name in order}
        self.weights = np.zeros(n)
        self.mean, self.scale = np.zeros(n), np.ones(n)
        for k, name in enumerate(names):
            if name in index:
                self.weights[index[name]] = float(block.get("weights", [1.0])[k])
                if "mean" in block:
                    self.mean[index[name]] = float(block["mean"][k])
                    self.scale[index[name]] = float(block["scale"][k])
        self.pairs = None
        if "pairs" in block:
            self.pairs = np.zeros((n, n))
            for a, row in enumerate(block["pairs"]):
                for b, w in enumerate(row):
                    if w and names[a] in index and names[b] in index:
                        self.pairs[index[names[a]], index[names[b]]] += float(w)
        self.bias = float(block.get("bias", 0.0))

    def logit(self, features: np.ndarray) -> np.ndarray | float:
        """The answer logit of one feature vector, or of each row of a matrix."""
        u = (np.asarray(features, dtype=np.float64) - self.mean) / self.scale
        z = u @ self.weights + self.bias
        if self.pairs is not None:
            z = z + np.einsum("...i,ij,...j->...", u, self.pairs, u)
        return z

    def __call__(self, features: np.ndarray) -> float:
        return sigmoid(float(self.logit(features)))
