"""Detection on tables with few distinct rows: folds holding one class, columns NULL in a fold."""

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.model_selection import StratifiedGroupKFold

from amalgam_rel.evaluation.detection import _out_of_fold


def test_out_of_fold_survives_single_class_folds_and_null_columns():
    rng = np.random.default_rng(0)
    n = 400
    y = np.r_[np.zeros(n // 2), np.ones(n // 2)]
    x = np.c_[rng.integers(0, 2, n).astype(float), np.full(n, np.nan)]
    x[:5, 1] = 1.0  # a column that is all NULL in most folds
    groups = (x[:, 0] * 2 + y).astype(int)  # four distinct rows: folds can hold one class only
    model = HistGradientBoostingClassifier(max_iter=10, categorical_features=[True, False])
    proba = _out_of_fold(model, x, y, groups, StratifiedGroupKFold(n_splits=4))
    assert proba.shape == (n,) and np.all((proba >= 0) & (proba <= 1))
