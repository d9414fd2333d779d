"""mmautomix: AutoMix (Liu et al., ECCV 2022) as plain-PyTorch core and mmpretrain/mmengine
components.

Importing the package changes nothing global: ``mmautomix.core`` needs only torch; the
OpenMMLab modules register themselves in mmautomix's own registries when
``mmautomix.models``/``engine``/``datasets`` are imported (a config's
``default_scope='mmautomix'`` does it), and the torch >= 2.6 checkpoint loader is
installed by ``mmautomix.utils.register_all_modules``, our tools and ``SafeCheckpointHook``.
"""
from .version import __version__

__all__ = ['__version__']
