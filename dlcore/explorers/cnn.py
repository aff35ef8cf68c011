"""Chapter 10, Convolutional networks: the convolution explorer.

``make_explorer()`` convolves a real Fashion-MNIST image with a chosen kernel (edges, blur,
sharpen, emboss, ...) at a chosen stride and padding, and shows input, kernel and output
with the output's shape worked out by the output-size formula.
"""
from __future__ import annotations

import numpy as np

__all__ = ["KERNELS", "make_explorer", "convolve_image"]

# name -> (integer matrix, scale): the kernel is scale * matrix. Kept as integers so the
# figure can print them exactly.
KERNELS = {
    "vertical edges (Sobel x)": ([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], 1),
    "horizontal edges (Sobel y)": ([[-1, -2, -1], [0, 0, 0], [1, 2, 1]], 1),
    "outline (Laplacian)": ([[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]], 1),
    "blur 5x5 (Gaussian)": (np.outer([1, 4, 6, 4, 1], [1, 4, 6, 4, 1]).tolist(), 1 / 256),
    "sharpen": ([[0, -1, 0], [-1, 5, -1], [0, -1, 0]], 1),
    "emboss": ([[-2, -1, 0], [-1, 1, 1], [0, 1, 2]], 1),
}


def kernel_array(name: str) -> np.ndarray:
    """The kernel called ``name`` in ``KERNELS`` as a float32 (kh, kw) array."""
    if name not in KERNELS:
        raise ValueError(f"unknown kernel {name!r}; choose one of {sorted(KERNELS)}")
    matrix, scale = KERNELS[name]
    return (np.asarray(matrix, dtype=np.float64) * scale).astype(np.float32)


def convolve_image(image, kernel, stride: int = 1, padding: int = 0) -> np.ndarray:
    """Convolve one grey image (H, W) with one kernel (kh, kw) using ``dlcore.conv.Conv2d``.

    Returns the (H_out, W_out) output. The layer's weight is set to the kernel and its bias
    to 0, so this is exactly what a Conv2d(1, 1, ...) with that filter computes.
    """
    from ..conv import Conv2d

    image = np.asarray(image, dtype=np.float32)
    kernel = np.asarray(kernel, dtype=np.float32)
    if image.ndim != 2:
        raise ValueError(f"convolve_image expected a grey image of shape (H, W), got {image.shape}")
    if kernel.ndim != 2:
        raise ValueError(f"convolve_image expected a kernel of shape (kh, kw), got {kernel.shape}")
    if kernel.shape[0] != kernel.shape[1]:
        raise ValueError(f"convolve_image expected a square kernel, got {kernel.shape}")
    layer = Conv2d(1, 1, kernel.shape[0], stride=stride, padding=padding, rng=np.random.default_rng(0))
    layer.params["W"][...] = kernel
    layer.params["b"][...] = 0.0
    return layer(image[None, None])[0, 0]


def _check_int(name, value, low, high=None):
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__} {value!r}")
    if value < low or (high is not None and value > high):
        bounds = f">= {low}" if high is None else f"in [{low}, {high}]"
        raise ValueError(f"{name} must be {bounds}, got {value}")
    return int(value)


def _output_size(n, k, s, p):
    return (n + 2 * p - k) // s + 1


def make_explorer(image_index: int = 0, strides=(1, 2), paddings=(0, 1, 2)):
    """Convolution explorer on the Fashion-MNIST test image ``image_index``.

    Sliders: kernel (the entries of ``KERNELS``), stride, padding: 6 x 2 x 3 = 36 frames.
    Each frame shows the zero-padded input with the first two windows outlined, the kernel
    with its numbers, and the output with its shape, floor((28 + 2p - k) / s) + 1.
    """
    from ..data import FASHION_MNIST_CLASSES, load_fashion_mnist
    from ..widgets import Explorer

    image_index = _check_int("image_index", image_index, 0, 9999)
    strides = [_check_int("stride", s, 1, 8) for s in strides]
    paddings = [_check_int("padding", p, 0, 8) for p in paddings]
    if not strides or not paddings:
        raise ValueError("strides and paddings must each hold at least one value")
    X, y = load_fashion_mnist("test", n=image_index + 1, flatten=False)
    image, label = X[image_index, 0], FASHION_MNIST_CLASSES[int(y[image_index])]

    def render(kernel, stride, padding):
        import matplotlib.pyplot as plt
        from matplotlib.patches import Rectangle

        k = kernel_array(kernel)
        kh = k.shape[0]
        n = image.shape[0]
        if n + 2 * padding < kh:
            from ..widgets import message_figure
            return message_figure(f"The {kh}x{kh} kernel does not fit in the padded "
                                  f"{n + 2 * padding}x{n + 2 * padding} input.")
        out = convolve_image(image, k, stride, padding)
        fig, axes = plt.subplots(1, 3, figsize=(7.2, 3.3), gridspec_kw={"width_ratios": [1, 0.8, 1]})
        fig.subplots_adjust(left=0.01, right=0.99, bottom=0.02, top=0.8, wspace=0.12)
        ax_in, ax_k, ax_out = axes

        size = n + 2 * padding
        ax_in.imshow(np.pad(image, padding), cmap="gray_r", vmin=0, vmax=1)
        if padding:          # tint the zeros added around the image
            tint = np.zeros((size, size, 4))
            tint[..., :3] = (1.0, 0.8, 0.3)
            tint[..., 3] = 0.45
            tint[padding:padding + n, padding:padding + n, 3] = 0
            ax_in.imshow(tint)
        for j, alpha in ((0, 1.0), (1, 0.5)):   # the first window and the one a stride later
            ax_in.add_patch(Rectangle((j * stride - 0.5, -0.5), kh, kh, fill=False,
                                      ec="tab:red", lw=1.6, alpha=alpha))
        pad_text = f"+ {padding} zeros each side = {size}x{size}" if padding else "no padding"
        ax_in.set_title(f"input {n}x{n} ({label})\n{pad_text}", fontsize=9)

        matrix, scale = KERNELS[kernel]
        matrix = np.asarray(matrix)
        m = np.abs(matrix).max()
        ax_k.imshow(matrix, cmap="RdBu_r", vmin=-m, vmax=m)
        for (i, j), v in np.ndenumerate(matrix):
            ax_k.text(j, i, str(v), ha="center", va="center", fontsize=9 if kh <= 3 else 7,
                      color="white" if abs(v) > 0.6 * m else "black")
        scale_text = "" if scale == 1 else f" (x 1/{round(1 / scale)})"
        ax_k.set_title(f"kernel {kh}x{kh}{scale_text}\n{kernel}", fontsize=9)

        if out.min() < 0:      # signed output: red > 0, blue < 0, white = 0
            m = max(np.abs(out).max(), 1e-6)
            ax_out.imshow(out, cmap="RdBu_r", vmin=-m, vmax=m)
        else:
            ax_out.imshow(out, cmap="gray_r", vmin=0)
        ho = _output_size(n, kh, stride, padding)
        ax_out.set_title(f"output {out.shape[0]}x{out.shape[1]}\n"
                         rf"$\lfloor({n} + 2\cdot{padding} - {kh})\,/\,{stride}\rfloor + 1 = {ho}$",
                         fontsize=9)
        for ax in axes:
            ax.set_xticks([])
            ax.set_yticks([])
        return fig

    return Explorer(render, {"kernel": list(KERNELS), "stride": strides, "padding": paddings},
                    initial={"kernel": "vertical edges (Sobel x)", "stride": strides[0],
                             "padding": paddings[min(1, len(paddings) - 1)]},
                    title="Convolution: kernel, stride, padding",
                    labels={"kernel": "kernel", "stride": "stride", "padding": "padding (pixels)"})
