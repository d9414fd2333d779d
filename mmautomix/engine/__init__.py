from .amp import PortableAmpOptimWrapper  # noqa: F401
from .hooks import *  # noqa: F401,F403
from .loops import ExactResumeEpochBasedTrainLoop  # noqa: F401
from .schedulers import GroupCosineAnnealingLR  # noqa: F401
