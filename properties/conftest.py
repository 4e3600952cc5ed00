"""Shared fixtures of the property suite."""
import pytest


@pytest.fixture(autouse=True, scope="module")
def _one_intra_op_thread():
    """One intra-op torch thread per property module, restored afterwards. The matrices here are
    small (m ≤ 1024, n ≤ 32): torch's thread pool makes them slower, not faster, and under
    ``pytest -n 2`` two workers with two threads each oversubscribe two cores (a 20 s module took
    over 10 min that way on a loaded machine)."""
    import torch

    old = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(old)
