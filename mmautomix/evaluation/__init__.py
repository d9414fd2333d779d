from .accuracy import AutoMixAccuracy

__all__ = ['AutoMixAccuracy']
