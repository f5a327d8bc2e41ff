"""Shape-only ops (slices, tile, pad, reverse, ...) as index maps, for every device.

Running an op's numpy reference kernel on "probes" - arrays holding their own element numbers,
counted from 1 - tells where each output element comes from: a number n > 0 is input element
n - 1 (counting across all data inputs in order), 0 an element the op fills (padding, a
gradient's zeros). The CUDA copy kernels and the whole-plan functions both build their copies
from these maps, computed once per input signature on the host.
"""

import numpy as np


def probes(shapes):
    """int64 arrays of `shapes` numbering their elements consecutively from 1."""
    out, start = [], 1
    for shape in shapes:
        size = int(np.prod(shape, dtype=np.int64))
        out.append(np.arange(start, start + size, dtype=np.int64).reshape(shape))
        start += size
    return out


def sources(fn, attrs, args):
    """Runs the reference `fn(attrs, *args)` on arguments whose data inputs are `probes`.

    Returns:
        (flat source indices, shape) per output: index -1 marks a filled element.
    """
    outputs = [np.asarray(o) for o in fn(attrs, *args)]
    return [(o.reshape(-1) - 1, o.shape) for o in outputs]
