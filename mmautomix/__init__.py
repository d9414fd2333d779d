"""mmautomix: AutoMix (Liu et al., ECCV 2022) as mmpretrain/mmengine components."""
from .utils.checkpoint import register_checkpoint_loader
from .version import __version__

# Loading a Runner checkpoint must work on torch >= 2.6 without any user action.
register_checkpoint_loader()

__all__ = ['__version__']
