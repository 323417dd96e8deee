"""Write every file in sample_data/: predictions of simple models on datasets that ship inside
scikit-learn, plus small synthetic sets where no real data fits (boxes, masks, GAN outputs).

Run once, in an environment with scikit-learn (never a losscli dependency):

    python sample_data/make_sample_data.py

Everything is seeded; running it again rewrites identical files (given the same library versions,
recorded in sample_data/VERSIONS.txt).
"""

from __future__ import annotations

import pathlib

import numpy as np
import sklearn
from sklearn.datasets import load_breast_cancer, load_diabetes, load_digits
from sklearn.decomposition import PCA
from sklearn.dummy import DummyRegressor
from sklearn.ensemble import GradientBoostingRegressor
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import cross_val_predict
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

OUT = pathlib.Path(__file__).resolve().parent
RNG = np.random.default_rng(20261124)


def write_csv(name: str, columns: dict[str, np.ndarray], formats: dict[str, str] | None = None) -> None:
    formats = formats or {}
    lines = [",".join(columns)]
    cols = list(columns.items())
    for i in range(len(cols[0][1])):
        lines.append(",".join(format(v[i], formats.get(k, ".6g")) for k, v in cols))
    (OUT / name).write_text("\n".join(lines) + "\n")


def diabetes() -> None:
    """Out-of-fold ridge predictions of disease progression (442 patients)."""
    X, y = load_diabetes(return_X_y=True)
    pred = cross_val_predict(Ridge(alpha=0.1), X, y, cv=5)
    write_csv("diabetes.csv", {"pred": pred, "target": y}, {"pred": ".2f", "target": ".0f"})
    ids = np.array([f"P{i:04d}" for i in range(len(y))])
    write_csv(
        "diabetes_named.csv",
        {"patient_id": ids, "y_hat": pred, "disease_progression": y},
        {"patient_id": "s", "y_hat": ".2f", "disease_progression": ".0f"},
    )
    # Sample weights: up-weight older patients (age is the first, standardised feature).
    weight = 1.0 + (X[:, 0] > 0)
    write_csv("diabetes_weighted.csv", {"pred": pred, "target": y, "weight": weight}, {"pred": ".2f", "target": ".0f", "weight": ".0f"})
    np.save(OUT / "diabetes_pred.npy", np.round(pred, 2))
    np.save(OUT / "diabetes_target.npy", y)
    np.save(OUT / "diabetes_pred_f32.npy", np.round(pred, 2).astype(np.float32))
    np.save(OUT / "diabetes_target_f32.npy", y.astype(np.float32))
    # A predictive mean and variance: a bootstrap ensemble of ridge models.
    boot = []
    for _ in range(20):
        idx = RNG.integers(0, len(y), len(y))
        boot.append(Ridge(alpha=0.1).fit(X[idx], y[idx]).predict(X))
    boot = np.array(boot)
    resid_var = np.mean((pred - y) ** 2)
    var = boot.var(axis=0, ddof=1) + resid_var  # epistemic + aleatoric
    write_csv("diabetes_gaussian.csv", {"pred": boot.mean(axis=0), "target": y, "var": var}, {"pred": ".2f", "target": ".0f", "var": ".1f"})


def digits() -> None:
    """Out-of-fold logits of multinomial logistic regression on 8x8 digit images (1797 x 10)."""
    X, y = load_digits(return_X_y=True)
    model = make_pipeline(StandardScaler(), LogisticRegression(C=0.05, max_iter=2000))
    logits = cross_val_predict(model, X, y, cv=5, method="decision_function")
    logits = np.round(logits, 4)
    cols = {"id": np.arange(len(y))}
    cols.update({f"logit_{c}": logits[:, c] for c in range(10)})
    cols["label"] = y
    write_csv("digits.csv", cols, {"id": "d", "label": "d", **{f"logit_{c}": ".4f" for c in range(10)}})
    np.save(OUT / "digits_logits.npy", logits)
    np.save(OUT / "digits_labels.npy", y.astype(np.int64))
    # Soft targets: a k-NN "teacher" (as in distillation), smoothed so no class is exactly 0.
    teacher = cross_val_predict(KNeighborsClassifier(n_neighbors=10), X, y, cv=5, method="predict_proba")
    soft = 0.95 * teacher + 0.05 / 10
    np.save(OUT / "digits_soft.npy", soft)


def breast_cancer() -> None:
    """Out-of-fold logistic regression on the Wisconsin breast cancer data (569 tumours)."""
    X, y = load_breast_cancer(return_X_y=True)
    model = make_pipeline(StandardScaler(), LogisticRegression(C=0.1, max_iter=2000))
    logit = cross_val_predict(model, X, y, cv=5, method="decision_function")
    logit = np.round(logit, 4)
    prob = 1.0 / (1.0 + np.exp(-logit))
    write_csv(
        "breast_cancer.csv",
        {"id": np.arange(len(y)), "prob": prob, "logit": logit, "label": y},
        {"id": "d", "prob": ".6f", "logit": ".4f", "label": "d"},
    )


def embeddings() -> None:
    """Metric learning on digits: a 16-D PCA embedding, triplets, two views and labelled pairs."""
    X, y = load_digits(return_X_y=True)
    Z = PCA(n_components=16, random_state=0).fit_transform(StandardScaler().fit_transform(X))
    Z /= np.linalg.norm(Z, axis=1, keepdims=True)
    n = 256
    anchor = RNG.choice(len(y), n, replace=False)
    positive = np.array([RNG.choice(np.flatnonzero((y == y[a]) & (np.arange(len(y)) != a))) for a in anchor])
    negative = np.array([RNG.choice(np.flatnonzero(y != y[a])) for a in anchor])
    # Two "augmented views": the same image with pixel noise, embedded by the same PCA.
    pca = PCA(n_components=16, random_state=0).fit(X)
    view = lambda: pca.transform(np.clip(X[anchor] + RNG.normal(0, 2.0, X[anchor].shape), 0, 16))  # noqa: E731
    # Contrastive pairs: half same-class, half different-class.
    same = (np.arange(n) % 2 == 0).astype(np.int64)
    b = np.where(same == 1, positive, negative)
    np.savez(
        OUT / "embeddings.npz",
        anchor=Z[anchor], positive=Z[positive], negative=Z[negative],
        z_i=view(), z_j=view(),
        a=Z[anchor], b=Z[b], same=same, y=2 * same - 1,  # y: the same pairs labelled ±1 (cosine_embedding)
    )


def pairs() -> None:
    """Ranking pairs of diabetes patients: which of two progresses more (y = +1 if the first)."""
    X, y = load_diabetes(return_X_y=True)
    pred = cross_val_predict(Ridge(alpha=0.1), X, y, cv=5)
    i = RNG.integers(0, len(y), 500)
    j = RNG.integers(0, len(y), 500)
    keep = y[i] != y[j]
    i, j = i[keep], j[keep]
    scale = pred.std()
    write_csv(
        "pairs.csv",
        {"x1": pred[i] / scale, "x2": pred[j] / scale, "y": np.where(y[i] > y[j], 1, -1)},
        {"x1": ".4f", "x2": ".4f", "y": "d"},
    )


def masks() -> None:
    """Synthetic segmentation: discs and squares on 32x32, with a noisy blurred prediction."""
    n, h, w = 24, 32, 32
    yy, xx = np.mgrid[:h, :w]
    labels = np.zeros((n, h, w), dtype=np.int64)
    for k in range(n):
        cy, cx, r = RNG.integers(8, 24), RNG.integers(8, 24), RNG.integers(3, 8)
        labels[k][(yy - cy) ** 2 + (xx - cx) ** 2 <= r * r] = 1
        y0, x0, s = RNG.integers(0, 26), RNG.integers(0, 26), RNG.integers(3, 7)
        labels[k, y0 : y0 + s, x0 : x0 + s] = 2
    labels[-1] = 0  # one image with nothing in it: the empty-mask rule
    onehot = np.eye(3)[labels].transpose(0, 3, 1, 2)  # (N, 3, H, W)
    logits = 4.0 * (onehot - 0.5) + RNG.normal(0, 1.5, onehot.shape)
    np.save(OUT / "masks_logits.npy", np.round(logits, 3))
    np.save(OUT / "masks_labels.npy", labels.astype(np.uint8))  # label images are uint8 PNGs in practice
    foreground = (labels > 0).astype(np.int64)
    fg_logit = 4.0 * (foreground - 0.5) + RNG.normal(0, 1.5, foreground.shape)
    np.save(OUT / "masks_pred.npy", np.round(1.0 / (1.0 + np.exp(-fg_logit)), 4))
    np.save(OUT / "masks_target.npy", foreground.astype(np.uint8))


def boxes() -> None:
    """Synthetic detections: ground-truth boxes and predictions with jittered corners."""
    n = 200
    x1, y1 = RNG.uniform(0, 500, n), RNG.uniform(0, 400, n)
    w, h = RNG.uniform(10, 150, n), RNG.uniform(10, 150, n)
    target = np.stack([x1, y1, x1 + w, y1 + h], axis=1)
    jitter = RNG.normal(0, 0.12, (n, 4)) * np.stack([w, h, w, h], axis=1)
    pred = target + jitter
    pred[:, 2] = np.maximum(pred[:, 2], pred[:, 0] + 1)
    pred[:, 3] = np.maximum(pred[:, 3], pred[:, 1] + 1)
    pred, target = np.round(pred, 1), np.round(target, 1)
    np.save(OUT / "boxes_pred.npy", pred)
    np.save(OUT / "boxes_target.npy", target)
    cols = {"id": np.arange(n)}
    cols.update({f"p_{c}": pred[:, k] for k, c in enumerate(("x1", "y1", "x2", "y2"))})
    cols.update({f"t_{c}": target[:, k] for k, c in enumerate(("x1", "y1", "x2", "y2"))})
    write_csv("boxes.csv", cols, {"id": "d", **{k: ".1f" for k in cols if k != "id"}})


def gan() -> None:
    """Synthetic discriminator logits on a batch of real and generated images."""
    n = 512
    write_csv("gan.csv", {"real": RNG.normal(1.2, 1.0, n), "fake": RNG.normal(-0.8, 1.1, n)}, {"real": ".4f", "fake": ".4f"})


def diabetes_models() -> None:
    """Out-of-fold predictions of two more models on diabetes, for `losscli compare`: a baseline
    that predicts the training mean, and gradient boosting."""
    X, y = load_diabetes(return_X_y=True)
    np.save(OUT / "diabetes_pred_mean.npy", np.round(cross_val_predict(DummyRegressor(), X, y, cv=5), 2))
    gbr = GradientBoostingRegressor(n_estimators=100, max_depth=2, learning_rate=0.05, random_state=0)
    np.save(OUT / "diabetes_pred_gbr.npy", np.round(cross_val_predict(gbr, X, y, cv=5), 2))


def diabetes_parquet() -> None:
    """diabetes.csv's rows as a Parquet table (needs pyarrow) in row groups of 128 rows: patient
    ids, the ridge predictions and targets, an age group and the sample weight of
    diabetes_weighted.csv (older patients count twice). Uses no RNG: the other files do not change."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    X, y = load_diabetes(return_X_y=True)
    pred = cross_val_predict(Ridge(alpha=0.1), X, y, cv=5)
    older = X[:, 0] > 0
    table = pa.table({
        "patient_id": [f"P{i:04d}" for i in range(len(y))],
        "pred": np.round(pred, 2),
        "target": y,
        "age_group": ["older" if o else "younger" for o in older],
        "weight": 1.0 + older,
    })  # fmt: skip
    pq.write_table(table, OUT / "diabetes.parquet", row_group_size=128)


def retrieval() -> None:
    """Image retrieval on digits: 40 query images, each with 20 candidate images ranked by the
    cosine similarity of a 16-D PCA embedding (fitted without the queries); a candidate is
    relevant (1) when it shows the query's digit. Text query ids (q0042: the query's image).
    Its own RNG: the other files do not change."""
    rng = np.random.default_rng(20261206)
    X, y = load_digits(return_X_y=True)
    queries = rng.choice(len(y), 40, replace=False)
    pool = np.setdiff1d(np.arange(len(y)), queries)
    pipe = make_pipeline(StandardScaler(), PCA(n_components=16, random_state=0)).fit(X[pool])
    Z = pipe.transform(X)
    Z /= np.linalg.norm(Z, axis=1, keepdims=True)
    cols: dict[str, list] = {"query": [], "doc": [], "score": [], "relevance": []}
    for q in queries:
        same = rng.integers(0, 7)  # relevant candidates: 0 to 6 (a query may have none)
        docs = np.r_[rng.choice(pool[y[pool] == y[q]], same, replace=False), rng.choice(pool[y[pool] != y[q]], 20 - same, replace=False)]
        docs = rng.permutation(docs)
        cols["query"] += [f"q{q:04d}"] * 20
        cols["doc"] += [f"d{d:04d}" for d in docs]
        cols["score"] += list(Z[docs] @ Z[q])
        cols["relevance"] += list((y[docs] == y[q]).astype(np.int64))
    write_csv("retrieval.csv", cols, {"query": "s", "doc": "s", "score": ".4f", "relevance": "d"})


if __name__ == "__main__":
    diabetes()
    digits()
    breast_cancer()
    embeddings()
    pairs()
    masks()
    boxes()
    gan()
    diabetes_models()
    import pyarrow

    (OUT / "VERSIONS.txt").write_text(f"numpy {np.__version__}\nscikit-learn {sklearn.__version__}\npyarrow {pyarrow.__version__}\n")
    diabetes_parquet()
    retrieval()
