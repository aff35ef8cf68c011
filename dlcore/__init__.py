"""dlcore: the small numpy deep-learning library built chapter by chapter in the book.

Modules (imported on first use, so ``import dlcore`` stays fast):

==============  =====================================================  =========
module          what it holds                                          chapter
==============  =====================================================  =========
``data``        Fashion-MNIST/MNIST loaders, toy data, mini-batches    1, 4
``functions``   activations, softmax, losses and their derivatives     2, 3
``grad``        numerical gradients and gradient checking              4, 5
``layers``      Linear, activations, Dropout, BatchNorm, loss layers   5, 8, 9
``model``       Sequential, mlp(), saving and loading weights          5
``optim``       SGD with momentum, AdaGrad, RMSProp, Adam, schedules   6
``init``        zeros, normal, Xavier/Glorot, He/Kaiming               7
``train``       Trainer/fit: mini-batches, validation, early stopping  5, 9
``conv``        im2col/col2im, Conv2d, MaxPool2d, AvgPool2d, Flatten   10
``metrics``     confusion matrix, most-confused pairs                  10, 11
``plot``        shared figures (decision boundaries, curves, images)   all
``widgets``     Explorer: sliders live in Jupyter and static online    all
``explorers``   the book's explorers, one module per chapter           all
==============  =====================================================  =========
"""

import importlib

__version__ = "0.1.0"

_MODULES = ("data", "functions", "grad", "layers", "model", "optim", "init", "train", "conv",
            "metrics", "plot", "widgets", "explorers")
__all__ = list(_MODULES)


def __getattr__(name):
    if name in _MODULES:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module 'dlcore' has no attribute {name!r}")
