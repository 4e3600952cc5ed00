"""Measured quantities: the trace metrics used during training (:mod:`.core`) and the
per-family measurements the catalogue's statements need, re-exported here."""
from .core import *  # noqa: F401,F403
from .core import __all__ as _core_all
from .setup import *  # noqa: F401,F403
from .init import *  # noqa: F401,F403
from .init_backward import *  # noqa: F401,F403
from .perturbation import *  # noqa: F401,F403
from .trajectory import *  # noqa: F401,F403
from .nguyen import *  # noqa: F401,F403
from .resnet import *  # noqa: F401,F403
