"""Funnel plot maths (Spiegelhalter 2005): exact Poisson limits, Winsorised overdispersion (additive
random effects by default, multiplicative as an option), flags."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .distributions import poisson_count_interval, two_sided_z


@dataclass(frozen=True)
class FunnelSettings:
    per: float = 10_000.0
    levels: tuple[float, float] = (0.95, 0.998)
    winsor_lower: float = 0.10
    winsor_upper: float = 0.90
    overdispersion_above: float = 1.0
    overdispersion: str = "additive"   # additive | multiplicative | none
    # What the significantly low/high flags compare with: "england" (England's rate x exposure) or
    # "risk_adjusted" (a leave-one-out Poisson main-effects model of region and Prevent priority-area status).
    comparator: str = "england"
    risk_min_others: int = 3
    # The measures that may raise significantly_low/high; the others show warnings only.
    flag_measures: tuple[str, ...] = ("rate_total_per_10k", "rate_under18_per_10k")
    # The window of the flag measures' test: 12 (the rolling-12 funnel, sustained over two disjoint years) or
    # longer (one pooled window, e.g. 36 months as for small-count indicators on Fingertips).
    flag_window_months: int = 12


def overdispersed_limits(expected: np.ndarray, level: float, phi: float) -> tuple[np.ndarray, np.ndarray]:
    """Multiplicative overdispersion on the square-root scale: E (1 -+ z sqrt(phi) / (2 sqrt E))^2."""
    z = two_sided_z(level)
    expected = np.asarray(expected, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        half_width = z * np.sqrt(phi) / (2 * np.sqrt(expected))
    lower = expected * np.clip(1 - half_width, 0, None) ** 2
    upper = expected * (1 + half_width) ** 2
    return lower, upper


def additive_limits(expected: np.ndarray, level: float, tau2: float) -> tuple[np.ndarray, np.ndarray]:
    """Additive random effects on the square-root scale (Spiegelhalter 2005, Qual Saf Health Care):
    E (1 -+ z sqrt(1 / (4E) + tau2))^2, the lower floored at 0, and never narrower than exact Poisson."""
    z = two_sided_z(level)
    expected = np.asarray(expected, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        half_width = z * np.sqrt(1.0 / (4 * expected) + tau2)
    lower = expected * np.clip(1 - half_width, 0, None) ** 2
    upper = expected * (1 + half_width) ** 2
    exact_lower, exact_upper = poisson_count_interval(expected, level)
    return np.minimum(lower, exact_lower), np.maximum(upper, exact_upper)


def dersimonian_laird_tau2(observed: np.ndarray, expected: np.ndarray, phi: float) -> float:
    """tau2 = max(0, (k phi - (k - 1)) / (sum w - sum w^2 / sum w)), w = 1/s^2 = 4E on the sqrt scale."""
    keep = expected > 0
    k = int(keep.sum())
    if k < 3:
        return 0.0
    w = 4 * expected[keep]
    denominator = w.sum() - (w ** 2).sum() / w.sum()
    return max(0.0, (k * phi - (k - 1)) / denominator) if denominator > 0 else 0.0


def winsorised_phi(observed: np.ndarray, expected: np.ndarray, settings: FunnelSettings) -> float:
    """phi = mean of squared z-scores z = 2(sqrt O - sqrt E), Winsorised at the given percentiles."""
    keep = expected > 0
    if keep.sum() < 3:
        return 1.0
    z = 2 * (np.sqrt(observed[keep]) - np.sqrt(expected[keep]))
    low, high = np.quantile(z, [settings.winsor_lower, settings.winsor_upper])
    return float(np.mean(np.clip(z, low, high) ** 2))


def limits(expected: np.ndarray, phi: float, settings: FunnelSettings, tau2: float = 0.0) -> dict[str, np.ndarray]:
    """Count limits at both levels: exact Poisson, or overdispersed (additive with tau2, or multiplicative
    with phi) when phi exceeds the threshold."""
    out: dict[str, np.ndarray] = {}
    overdispersed = phi > settings.overdispersion_above and settings.overdispersion != "none"
    for level, name in zip(settings.levels, ("95", "998")):
        if overdispersed and settings.overdispersion == "additive":
            lower, upper = additive_limits(expected, level, tau2)
        elif overdispersed:
            lower, upper = overdispersed_limits(expected, level, phi)
        else:
            lower, upper = poisson_count_interval(expected, level)
        out[f"lower{name}"], out[f"upper{name}"] = lower, upper
    return out


def classify(observed: np.ndarray, bounds: dict[str, np.ndarray]) -> np.ndarray:
    flag = np.full(observed.shape, "in_control", dtype=object)
    flag[observed > bounds["upper95"]] = "high_95"
    flag[observed > bounds["upper998"]] = "high_998"
    flag[observed < bounds["lower95"]] = "low_95"
    flag[observed < bounds["lower998"]] = "low_998"
    return flag


def funnel_group(observed: np.ndarray, exposure: np.ndarray, settings: FunnelSettings) -> dict[str, np.ndarray | float]:
    """One measure in one period: target rate, expected counts, phi, limits as rates, z and flags.

    Units with no exposure (no return in the window) are left out by the caller.
    """
    observed = np.asarray(observed, dtype=float)
    exposure = np.asarray(exposure, dtype=float)
    target = observed.sum() / exposure.sum() if exposure.sum() > 0 else 0.0
    return {"target_rate": target * settings.per, **funnel_against(observed, exposure, target * exposure, settings)}


def funnel_against(observed: np.ndarray, exposure: np.ndarray, expected: np.ndarray,
                   settings: FunnelSettings) -> dict[str, np.ndarray | float]:
    """Limits, z and flags around each unit's own expected count (England's rate x exposure, or a
    risk-adjusted expectation): phi and tau2 from every unit's z against its own expectation."""
    observed = np.asarray(observed, dtype=float)
    exposure = np.asarray(exposure, dtype=float)
    expected = np.asarray(expected, dtype=float)
    phi = winsorised_phi(observed, expected, settings)
    overdispersed = phi > settings.overdispersion_above and settings.overdispersion != "none"
    tau2 = dersimonian_laird_tau2(observed, expected, phi) if overdispersed and settings.overdispersion == "additive" else 0.0
    phi_used = phi if overdispersed else 1.0
    bounds = limits(expected, phi, settings, tau2)
    with np.errstate(divide="ignore", invalid="ignore"):
        if settings.overdispersion == "additive":
            z = (np.sqrt(observed / expected) - 1) / np.sqrt(1 / (4 * expected) + tau2)
        else:
            z = 2 * (np.sqrt(observed) - np.sqrt(expected)) / np.sqrt(phi_used)
        rates = {key: value / exposure * settings.per for key, value in bounds.items()}
        rate = observed / exposure * settings.per
        expected_rate = expected / exposure * settings.per
    return {
        "expected": expected,
        "expected_rate": expected_rate,
        "phi": phi_used,
        "tau2": tau2,
        "z": z,
        "rate": rate,
        "flag": classify(observed, bounds),
        **rates,
    }


# --- risk adjustment: indirect standardisation by a Poisson main-effects model ------------------------

def main_effects_design(groups: np.ndarray, indicator: np.ndarray) -> np.ndarray:
    """One 0/1 column per group (region) and one for the indicator (Prevent priority area); no intercept,
    the group columns sum to one. The indicator column is left out when it does not vary."""
    groups = np.asarray(groups, dtype=str)
    indicator = np.asarray(indicator, dtype=float)
    columns = [(groups == g).astype(float) for g in np.unique(groups)]
    if 0 < indicator.sum() < indicator.size:
        columns.append(indicator)
    return np.column_stack(columns) if columns else np.ones((groups.size, 1))


def poisson_main_effects(observed: np.ndarray, exposure: np.ndarray, design: np.ndarray, weight: np.ndarray | None = None,
                         iterations: int = 50, tolerance: float = 1e-10) -> np.ndarray:
    """Maximum-likelihood coefficients of log E[O] = log(exposure) + X beta (Newton-Raphson); rows with
    weight 0 are left out of the fit."""
    w = np.ones(observed.size) if weight is None else weight
    beta = np.linalg.lstsq(design, np.full(observed.size, np.log(np.sum(w * observed) / np.sum(w * exposure))), rcond=None)[0]
    for _ in range(iterations):
        mu = exposure * np.exp(design @ beta)
        step = np.linalg.solve(design.T @ (design * (w * mu)[:, None]), design.T @ (w * (observed - mu)))
        beta = beta + step
        if np.max(np.abs(step)) < tolerance:
            break
    return beta


def risk_adjusted_expected(observed: np.ndarray, exposure: np.ndarray, design: np.ndarray, min_others: int = 3,
                           iterations: int = 50, tolerance: float = 1e-10) -> tuple[np.ndarray, np.ndarray]:
    """Each unit's expected count from the model fitted WITHOUT it (leave-one-out indirect
    standardisation), and whether it could be adjusted. A unit is left unadjusted (expected = NaN,
    adjusted False) when one of its own covariate columns holds fewer than `min_others` other units or no
    other unit's observation, so its coefficient would rest on nothing but itself.

    The n leave-one-out fits are Newton-Raphson steps run together, each started from the full fit."""
    observed = np.asarray(observed, dtype=float)
    exposure = np.asarray(exposure, dtype=float)
    n, p = design.shape
    members = design.sum(axis=0)
    seen = (design * observed[:, None]).sum(axis=0)
    own = design > 0
    others_ok = np.all(~own | ((members - own >= min_others) & (seen - design * observed[:, None] > 0)), axis=1)
    expected = np.full(n, np.nan)
    if n < 2 or not others_ok.any() or np.sum(observed) <= 0:
        return expected, np.zeros(n, dtype=bool)
    x = design[:, seen > 0]  # a column with no observation has no finite coefficient; its units are unadjusted
    try:
        full = poisson_main_effects(observed, exposure, x, iterations=iterations, tolerance=tolerance)
    except np.linalg.LinAlgError:
        return expected, np.zeros(n, dtype=bool)
    k = x.shape[1]
    outer = (x[:, :, None] * x[:, None, :]).reshape(n, k * k)  # each row's x_r x_r', flattened
    betas = np.tile(full, (n, 1))                      # one row of coefficients per left-out unit
    keep = 1.0 - np.eye(n)                             # keep[r, i] = 0 where r is the unit left out of fit i
    for _ in range(iterations):
        mu = exposure[:, None] * np.exp(x @ betas.T)   # mu[r, i]: row r under fit i
        weight = mu * keep
        gradient = x.T @ ((observed[:, None] - mu) * keep)            # p x n
        hessian = (weight.T @ outer).reshape(n, k, k)                   # n x p x p: sum_r w[r, i] x_r x_r'
        hessian[~others_ok] = np.eye(x.shape[1])                        # not used; keeps the solve defined
        try:
            step = np.linalg.solve(hessian, gradient.T[:, :, None])[:, :, 0]
        except np.linalg.LinAlgError:
            return np.full(n, np.nan), np.zeros(n, dtype=bool)
        step[~others_ok] = 0.0
        betas = betas + step
        if np.max(np.abs(step)) < tolerance:
            break
    with np.errstate(over="ignore", invalid="ignore"):
        expected = np.where(others_ok, exposure * np.exp(np.einsum("ip,ip->i", x, betas)), np.nan)
    adjusted = others_ok & np.isfinite(expected) & (expected > 0)
    return np.where(adjusted, expected, np.nan), adjusted


def limit_curve(exposure: np.ndarray, target_rate: float, phi: float, settings: FunnelSettings, points: int,
                tau2: float = 0.0) -> dict[str, np.ndarray]:
    """The funnel's curves over the range of exposures, as rates per `per`."""
    positive = exposure[exposure > 0]
    grid = np.geomspace(positive.min(), positive.max(), points) if positive.size else np.array([])
    expected = target_rate / settings.per * grid
    bounds = limits(expected, phi, settings, tau2)
    with np.errstate(divide="ignore", invalid="ignore"):
        return {"population": grid, **{key: value / grid * settings.per for key, value in bounds.items()}}
