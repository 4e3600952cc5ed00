"""Independent oracles shared by the engine tests: the papers' definitions written out directly,
never through the library (tests never copy library math; these are the definitions)."""
import torch


def ell(name: str, x: torch.Tensor) -> torch.Tensor:
    """ℓ(x) of 003 (below Assumption 3.2), written out."""
    if name == "logistic":
        return torch.log1p(torch.exp(-x))
    if name == "hinge":
        return torch.relu(1 - x)
    if name == "squared_hinge":
        return torch.relu(1 - x) ** 2
    if name == "exponential":
        return torch.exp(-x)
    raise AssertionError(name)
