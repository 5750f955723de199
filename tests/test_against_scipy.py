"""The intervals the package computes by hand agree with scipy's, where scipy has the same interval: Wilson's score
interval (`figures.score_interval`) and the percentile bootstrap of α (`analysis.bootstrap_fit`). The package keeps its
own versions because they take what scipy's do not (non-integer scores averaged over seeds; strata resampled apart
and a vectorised slope); these tests hold them to the library a reviewer trusts."""
import numpy as np
import pytest
from scipy import stats
from doit_nb.analysis import bootstrap_fit
from doit_nb.figures import score_interval


@pytest.mark.parametrize("k,n", [(0, 20), (3, 20), (50, 100), (97, 100), (100, 100), (1, 7)])
def test_wilson_matches_scipy(k, n):
    lo, hi = score_interval([100 * k / n], [n])
    ci = stats.binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
    assert lo[0] == pytest.approx(100 * ci.low, abs=0.05)
    assert hi[0] == pytest.approx(100 * ci.high, abs=0.05)


def test_percentile_bootstrap_matches_scipy():
    rng = np.random.default_rng(0)
    x = np.array([1.0, 4, 16, 64])
    p = np.clip(0.2 + 0.05 * np.log(x), 0, 1)
    hits = (rng.random((200, len(x))) < p).astype(float)          # items × conditions
    ours = bootstrap_fit(hits, x, n_boot=4000, seed=1)
    lx = np.log(x) - np.log(x).mean()
    slope = lambda idx: 100 * hits[idx].mean(0) @ lx / (lx @ lx)
    res = stats.bootstrap((np.arange(len(hits)),), slope, vectorized=False, n_resamples=4000,
                          method="percentile", random_state=2)
    assert ours["alpha_lo"] == pytest.approx(res.confidence_interval.low, abs=0.35)
    assert ours["alpha_hi"] == pytest.approx(res.confidence_interval.high, abs=0.35)
    assert ours["alpha"] == pytest.approx(slope(np.arange(len(hits))), abs=1e-9)
