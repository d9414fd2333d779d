from .checkpoint import (load_local_checkpoint, load_prefixed_state,
                         register_checkpoint_loader)
from .setup_env import register_all_modules

__all__ = ['load_local_checkpoint', 'load_prefixed_state', 'register_checkpoint_loader',
           'register_all_modules']
