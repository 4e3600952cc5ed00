"""The bounds of the lemma catalogue as library functions, one per statement, each with paper,
lemma and equation in its docstring, and each statement's regime (width, φ, τ conditions) as a
function too. Re-exported here from one module per catalogue family."""
from .setup import *  # noqa: F401,F403
from .init import *  # noqa: F401,F403
from .init_backward import *  # noqa: F401,F403
from .perturbation import *  # noqa: F401,F403
from .trajectory import *  # noqa: F401,F403
from .nguyen import *  # noqa: F401,F403
from .resnet import *  # noqa: F401,F403
