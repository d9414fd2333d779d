from .checkpoint import (load_local_checkpoint, load_prefixed_state,
                         register_checkpoint_loader)
from .resume import (check_checkpoint_fits, check_load_from, check_loaded_checkpoint,
                     find_resumable_checkpoint, is_resuming)
from .setup_env import register_all_modules

__all__ = ['check_checkpoint_fits', 'check_load_from', 'check_loaded_checkpoint', 'find_resumable_checkpoint',
           'is_resuming', 'load_local_checkpoint', 'load_prefixed_state',
           'register_all_modules', 'register_checkpoint_loader']
