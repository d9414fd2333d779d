from .fashion_mnist import OfflineFashionMNIST

__all__ = ['OfflineFashionMNIST']
