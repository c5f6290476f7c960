"""The automated valuation model: gradient boosting on index-deflated log price per sq ft. Pure.

Target: ``log(close_price) - index_level(area, close day) - log(living_area)``, i.e. the price
per square foot brought to the newest month of the market index, in logs. Model:
scikit-learn ``HistGradientBoostingRegressor`` (Ke et al., "LightGBM", NeurIPS 2017) with the
absolute-error loss, which fits the conditional median and so ignores the heavy tails of sale
prices (non-arm's-length or distressed sales) that would pull a squared-error fit. Features:
:data:`properties.valuation.features.MODEL_COLUMNS`; unknown facts are NaN, which the trees
route natively, so a market without, e.g., quality grades needs no change.
"""

from __future__ import annotations

import numpy as np
from sklearn.ensemble import HistGradientBoostingRegressor

from .data import SalesData
from .features import facts_of_rows, model_matrix
from .index import MarketIndex

MODEL_PARAMS = {
    "loss": "absolute_error",
    "learning_rate": 0.1,
    "max_iter": 400,
    "max_leaf_nodes": 48,
    "min_samples_leaf": 20,
    "l2_regularization": 1.0,
    "early_stopping": False,
    "random_state": 0,
}
#: Below this many prior sales the engine values from comparables alone.
MIN_MODEL_SALES = 300


class PriceModel:
    """A fitted model for one cutoff: ``predict_log_ppsf(facts)`` gives the deflated log $/sq ft.

    ``PriceModel(data, index)`` trains on exactly the sales the index was fitted on (closed
    before ``index.cutoff_day``). Raises ``ValueError`` with fewer than ``MIN_MODEL_SALES`` sales.
    """

    def __init__(self, data: SalesData, index: MarketIndex) -> None:
        n = index.n_sales
        if n < MIN_MODEL_SALES:
            raise ValueError(f"{n} prior sales are too few to train the model (need {MIN_MODEL_SALES})")
        rows = np.arange(n)
        facts = facts_of_rows(data, rows)
        self.cutoff_month = index.cutoff_month
        matrix = model_matrix(facts, self.cutoff_month)
        # A fact no prior sale knows (e.g. grades in a market without them) cannot be learned;
        # it is held constant so subjects that do know it are priced as if they did not.
        self.unknown_columns = np.flatnonzero(np.all(np.isnan(matrix), axis=0))
        matrix[:, self.unknown_columns] = 0.0
        level = index.log_level(data.region[:n], data.area[:n], data.close_day[:n])
        target = data.log_price[:n] - level - np.log(data.living_area[:n])
        self.regressor = HistGradientBoostingRegressor(**MODEL_PARAMS).fit(matrix, target)
        self.n_sales = n

    def predict_log_ppsf(self, facts: dict[str, np.ndarray]) -> np.ndarray:
        """Return the deflated log price per sq ft at the cutoff's market level for each home."""
        matrix = model_matrix(facts, self.cutoff_month, at_cutoff=True)
        matrix[:, self.unknown_columns] = 0.0
        return self.regressor.predict(matrix)
