"""Funnel plot maths (Spiegelhalter 2005): exact Poisson limits, Winsorised overdispersion (additive
random effects by default, multiplicative as an option), flags."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import chi2, norm


@dataclass(frozen=True)
class FunnelSettings:
    per: float = 10_000.0
    levels: tuple[float, float] = (0.95, 0.998)
    winsor_lower: float = 0.10
    winsor_upper: float = 0.90
    overdispersion_above: float = 1.0
    overdispersion: str = "additive"   # additive | multiplicative | none


def exact_poisson_limits(expected: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    """Count limits for a unit with expected count E: chi2(a/2, 2E)/2 and chi2(1-a/2, 2(E+1))/2."""
    alpha = 1.0 - level
    expected = np.asarray(expected, dtype=float)
    with np.errstate(invalid="ignore"):
        lower = np.where(expected > 0, chi2.ppf(alpha / 2, 2 * expected) / 2, 0.0)
        upper = chi2.ppf(1 - alpha / 2, 2 * (expected + 1)) / 2
    return lower, upper


def overdispersed_limits(expected: np.ndarray, level: float, phi: float) -> tuple[np.ndarray, np.ndarray]:
    """Multiplicative overdispersion on the square-root scale: E (1 -+ z sqrt(phi) / (2 sqrt E))^2."""
    z = norm.ppf(1 - (1 - level) / 2)
    expected = np.asarray(expected, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        half_width = z * np.sqrt(phi) / (2 * np.sqrt(expected))
    lower = expected * np.clip(1 - half_width, 0, None) ** 2
    upper = expected * (1 + half_width) ** 2
    return lower, upper


def additive_limits(expected: np.ndarray, level: float, tau2: float) -> tuple[np.ndarray, np.ndarray]:
    """Additive random effects on the square-root scale (Spiegelhalter 2005, Qual Saf Health Care):
    E (1 -+ z sqrt(1 / (4E) + tau2))^2, the lower floored at 0, and never narrower than exact Poisson."""
    z = norm.ppf(1 - (1 - level) / 2)
    expected = np.asarray(expected, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        half_width = z * np.sqrt(1.0 / (4 * expected) + tau2)
    lower = expected * np.clip(1 - half_width, 0, None) ** 2
    upper = expected * (1 + half_width) ** 2
    exact_lower, exact_upper = exact_poisson_limits(expected, level)
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
            lower, upper = exact_poisson_limits(expected, level)
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
    expected = target * exposure
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
    return {
        "target_rate": target * settings.per,
        "expected": expected,
        "phi": phi_used,
        "tau2": tau2,
        "z": z,
        "rate": rate,
        "flag": classify(observed, bounds),
        **rates,
    }


def limit_curve(exposure: np.ndarray, target_rate: float, phi: float, settings: FunnelSettings, points: int,
                tau2: float = 0.0) -> dict[str, np.ndarray]:
    """The funnel's curves over the range of exposures, as rates per `per`."""
    positive = exposure[exposure > 0]
    grid = np.geomspace(positive.min(), positive.max(), points) if positive.size else np.array([])
    expected = target_rate / settings.per * grid
    bounds = limits(expected, phi, settings, tau2)
    with np.errstate(divide="ignore", invalid="ignore"):
        return {"population": grid, **{key: value / grid * settings.per for key, value in bounds.items()}}
