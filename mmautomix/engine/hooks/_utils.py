from mmengine.model import is_model_wrapper


def unwrap_model(runner):
    """The model inside a DDP (or other mmengine) wrapper, or the model itself."""
    model = runner.model
    return model.module if is_model_wrapper(model) else model
