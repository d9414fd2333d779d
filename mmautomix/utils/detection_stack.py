"""What the detection transfer needs beyond classification, and the one error that says
so: mmdet and the full mmcv with its compiled ops (NMS, RoIAlign). A classification-only
set-up (``tools/install.sh --lite``: mmcv-lite) has neither."""

#: the command that installs what detection needs
FULL_INSTALL = 'bash tools/install.sh   (or: make setup)'


def require_detection_stack():
    """Raise one clear ``ImportError`` unless mmdet and mmcv's compiled ops import."""
    missing = []
    try:
        import mmcv.ops  # noqa: F401
    except ImportError as err:
        missing.append(f"mmcv's compiled ops (import mmcv.ops: {err})")
    try:
        import mmdet  # noqa: F401
    except ImportError as err:
        missing.append(f'mmdet ({err})')
    if missing:
        raise ImportError(
            'The detection transfer (mmautomix.detection, configs/detection/) needs mmdet '
            'and the full mmcv with its compiled ops; this environment lacks '
            + '; '.join(missing) + '. It is a classification-only set-up (mmcv-lite: '
            f'tools/install.sh --lite). Install the full one with: {FULL_INSTALL}')


def load_config(path):
    """``Config.fromfile(path)``; a config whose bases live in mmdet, where mmdet is not
    installed, gets :func:`require_detection_stack`'s error instead of mmengine's."""
    from mmengine.config import Config
    try:
        return Config.fromfile(path)
    except ModuleNotFoundError as err:
        if 'mmdet' not in str(err):
            raise
        require_detection_stack()
        raise
