"""Convolutions and pooling: Conv2D and its two backprop ops (also conv2d_transpose),
DepthwiseConv2dNative, MaxPool/MaxPoolGrad/MaxPoolGradGrad and AvgPool/AvgPoolGrad.

Shapes follow TF's window arithmetic (graphflow/kernels/reference/conv.py `window`): VALID
gives ceil((in - (k - 1) * d) / s), SAME gives ceil(in / s) with the padding split
before/after as TF splits it, EXPLICIT takes the pads from `explicit_paddings`. Attrs are in
the data format's order (NHWC or NCHW).
"""

from graphflow import errors
from graphflow import graph as graph_lib
from graphflow import registry
from graphflow import tensor_shape
from graphflow.kernels.reference import conv as ref_conv
from graphflow.op_builder import apply_op
from graphflow.ops import constant_op
from graphflow.ops import slicing

_FLOAT = "{half, float, double}"
_CONV_ATTRS = ["T: {half, float, double, int32}", "strides: list(int)",
               "use_cudnn_on_gpu: bool = true", "padding: string",
               "explicit_paddings: list(int) = []", "data_format: string = 'NHWC'",
               "dilations: list(int) = [1, 1, 1, 1]"]
_DEPTHWISE_ATTRS = [f"T: {_FLOAT}", "strides: list(int)", "padding: string",
                    "explicit_paddings: list(int) = []", "data_format: string = 'NHWC'",
                    "dilations: list(int) = [1, 1, 1, 1]"]
_POOL_ATTRS = ["ksize: list(int)", "strides: list(int)", "padding: string",
               "data_format: string = 'NHWC'"]
_MAX_POOL_T = "T: {half, float, double, int32, int64, uint8, int16, int8, uint16} = float"


def _check_attrs(op, lists, paddings):
    """TF's build-time attr checks: allowed padding strings and 4-element lists."""
    padding = op.get_attr("padding")
    if padding not in paddings:
        allowed = ", ".join(f'"{p}"' for p in paddings)
        raise ValueError(f"Attr 'padding' of '{op.type}' Op passed string '{padding}' not in: "
                         f"{allowed}.")
    if op.get_attr("data_format") not in ("NHWC", "NCHW"):
        raise ValueError(f"Attr 'data_format' of '{op.type}' Op passed string "
                         f"'{op.get_attr('data_format')}' not in: \"NHWC\", \"NCHW\".")
    for attr, what in lists:
        values = op.get_attr(attr)
        if len(values) != 4:
            raise slicing.shape_error(op, f"{op.type} requires the {what} attribute to contain "
                                          f"4 values, but got: {len(values)}")
    if padding == "EXPLICIT" and len(op.get_attr("explicit_paddings")) != 8:
        raise slicing.shape_error(op, "explicit_paddings attribute must contain 8 values")


def _spatial(op, shape):
    """(batch, height, width, channels) of a rank-4 shape in the op's data format."""
    if shape.rank is None:
        return None, None, None, None
    h_axis, w_axis, c_axis = ref_conv.spatial_axes(op.get_attr("data_format"))
    dims = shape._values
    return dims[0], dims[h_axis], dims[w_axis], dims[c_axis]


def _assemble(op, n, h, w, c):
    if op.get_attr("data_format") == "NHWC":
        return tensor_shape.TensorShape([n, h, w, c])
    return tensor_shape.TensorShape([n, c, h, w])


def _out_size(op, size, k, axis, dilation_attr=None):
    """One spatial output size, or None when unknown; TF's build-time errors."""
    if size is None or k is None:
        return None
    stride = op.get_attr("strides")[axis]
    dilation = op.get_attr(dilation_attr)[axis] if dilation_attr else 1
    padding = op.get_attr("padding")
    effective = (k - 1) * dilation + 1
    if padding == "VALID" and size < effective:
        raise slicing.shape_error(op, f"Negative dimension size caused by subtracting "
                                      f"{effective} from {size}")
    pads = (0, 0)
    if padding == "EXPLICIT":
        pads = tuple(op.get_attr("explicit_paddings")[2 * axis:2 * axis + 2])
    try:
        return ref_conv.window(size, k, stride, dilation, padding, pads)[0]
    except errors.InvalidArgumentError as err:
        raise slicing.shape_error(op, err.message) from None


def _windowed(op, x_shape, kh, kw, dilation_attr):
    """(n, out_h, out_w) for an input shape and a kh x kw window."""
    h_axis, w_axis, _ = ref_conv.spatial_axes(op.get_attr("data_format"))
    n, h, w, _ = _spatial(op, x_shape)
    return (n, _out_size(op, h, kh, h_axis, dilation_attr),
            _out_size(op, w, kw, w_axis, dilation_attr))


def _conv_like(op):
    """Checks attrs and ranks of a convolution; returns (input channels, filter dims,
    (n, out_h, out_w))."""
    _check_attrs(op, [("strides", "stride"), ("dilations", "dilation")], ref_conv.PADDINGS)
    x = slicing.with_rank(op, op.inputs[0], 4)
    f = slicing.with_rank(op, op.inputs[1], 4)
    dims = tuple(f._values) if f.rank is not None else (None,) * 4
    return _spatial(op, x)[3], dims, _windowed(op, x, dims[0], dims[1], "dilations")


def _conv_shape(op):
    c, (_, _, fc, oc), (n, oh, ow) = _conv_like(op)
    if c is not None and fc is not None and (fc == 0 or c % fc):
        raise slicing.shape_error(op, f"Depth of input ({c}) is not a multiple of input "
                                      f"depth of filter ({fc})")
    return [_assemble(op, n, oh, ow, oc)]


def _depthwise_shape(op):
    c, (_, _, fc, m), (n, oh, ow) = _conv_like(op)
    if c is not None and fc is not None and c != fc:
        raise slicing.shape_error(op, f"Dimensions must be equal, but are {c} and {fc}")
    c = c if c is not None else fc
    return [_assemble(op, n, oh, ow, None if c is None or m is None else c * m)]


def _from_sizes(index, paddings=ref_conv.PADDINGS):
    """Shape function of a gradient op whose output shape is given by input `index`."""
    def shape_fn(op):
        _check_attrs(op, [("strides", "stride")], paddings)
        shape = slicing.partial_shape(op, op.inputs[index])
        if shape.rank is not None and shape.rank != 4:
            raise slicing.shape_error(op, f"Shape must be rank 4 but is rank {shape.rank}")
        return [shape if shape.rank is not None else tensor_shape.unknown_shape(4)]
    return shape_fn


def _pool_shape(op):
    paddings = ("SAME", "VALID") if op.type == "AvgPool" else ref_conv.PADDINGS
    _check_attrs(op, [("ksize", "ksize"), ("strides", "stride")], paddings)
    x = slicing.with_rank(op, op.inputs[0], 4)
    h_axis, w_axis, _ = ref_conv.spatial_axes(op.get_attr("data_format"))
    ksize = op.get_attr("ksize")
    n, oh, ow = _windowed(op, x, ksize[h_axis], ksize[w_axis], None)
    return [_assemble(op, n, oh, ow, _spatial(op, x)[3])]


def _input_shape(index):
    def shape_fn(op):
        return [slicing.with_rank(op, op.inputs[index], 4)]
    return shape_fn


registry.register_op(
    "Conv2D", inputs=["input: T", "filter: T"], outputs=["output: T"], attrs=_CONV_ATTRS,
    shape_fn=_conv_shape,
    doc="Conv2D: output[n, y, x, o] = sum over (i, j, c) of input[n, y*sh + i*dh - pt, "
        "x*sw + j*dw - pl, g*C' + c] * filter[i, j, c, o] (g the group of o; zero outside the "
        "input). filter is [kh, kw, C', OC] with C a multiple of C'. Gradients: "
        "Conv2DBackpropInput and Conv2DBackpropFilter.")
registry.register_op(
    "Conv2DBackpropInput", inputs=["input_sizes: int32", "filter: T", "out_backprop: T"],
    outputs=["output: T"], attrs=_CONV_ATTRS, shape_fn=_from_sizes(0),
    doc="Conv2DBackpropInput: the gradient of Conv2D with respect to its input (a transposed "
        "convolution of out_backprop with filter), shaped input_sizes.")
registry.register_op(
    "Conv2DBackpropFilter", inputs=["input: T", "filter_sizes: int32", "out_backprop: T"],
    outputs=["output: T"], attrs=_CONV_ATTRS, shape_fn=_from_sizes(1),
    doc="Conv2DBackpropFilter: the gradient of Conv2D with respect to its filter "
        "(correlation of input with out_backprop), shaped filter_sizes.")
registry.register_op(
    "DepthwiseConv2dNative", inputs=["input: T", "filter: T"], outputs=["output: T"],
    attrs=_DEPTHWISE_ATTRS, shape_fn=_depthwise_shape,
    doc="DepthwiseConv2dNative: each input channel c convolved with its own filters "
        "filter[:, :, c, m]; output channel c * M + m.")
registry.register_op(
    "DepthwiseConv2dNativeBackpropInput",
    inputs=["input_sizes: int32", "filter: T", "out_backprop: T"], outputs=["output: T"],
    attrs=_DEPTHWISE_ATTRS, shape_fn=_from_sizes(0),
    doc="DepthwiseConv2dNativeBackpropInput: gradient of DepthwiseConv2dNative w.r.t. input.")
registry.register_op(
    "DepthwiseConv2dNativeBackpropFilter",
    inputs=["input: T", "filter_sizes: int32", "out_backprop: T"], outputs=["output: T"],
    attrs=_DEPTHWISE_ATTRS, shape_fn=_from_sizes(1),
    doc="DepthwiseConv2dNativeBackpropFilter: gradient of DepthwiseConv2dNative w.r.t. "
        "filter.")
registry.register_op(
    "MaxPool", inputs=["input: T"], outputs=["output: T"],
    attrs=[_MAX_POOL_T] + _POOL_ATTRS[:3] + ["explicit_paddings: list(int) = []",
                                             "data_format: string = 'NHWC'"],
    shape_fn=_pool_shape,
    doc="MaxPool: the maximum of each ksize window (padding never wins; NaN is skipped). "
        "Gradient: MaxPoolGrad routes grad to each window's first maximum.")
registry.register_op(
    "MaxPoolGrad", inputs=["orig_input: T", "orig_output: T", "grad: T"],
    outputs=["output: T"],
    attrs=_POOL_ATTRS[:3] + ["explicit_paddings: list(int) = []",
                             "data_format: string = 'NHWC'", _MAX_POOL_T],
    shape_fn=_input_shape(0),
    doc="MaxPoolGrad: grad (shaped like MaxPool's output) added at the position of each "
        "window's maximum in orig_input.")
registry.register_op(
    "MaxPoolGradGrad", inputs=["orig_input: T", "orig_output: T", "grad: T"],
    outputs=["output: T"], attrs=_POOL_ATTRS + [_MAX_POOL_T.split(" = ")[0]],
    shape_fn=_input_shape(1),
    doc="MaxPoolGradGrad: grad (shaped like orig_input) read at each window's maximum.")
registry.register_op(
    "AvgPool", inputs=["value: T"], outputs=["output: T"], attrs=_POOL_ATTRS + [f"T: {_FLOAT}"],
    shape_fn=_pool_shape,
    doc="AvgPool: the mean of each window over its elements inside the input (padding is "
        "not counted).")
registry.register_op(
    "AvgPoolGrad", inputs=["orig_input_shape: int32", "grad: T"], outputs=["output: T"],
    attrs=_POOL_ATTRS + [f"T: {_FLOAT}"], shape_fn=_from_sizes(0, ("SAME", "VALID")),
    doc="AvgPoolGrad: each grad value shared equally among its window's elements.")


# ------------------------------------------------------------------------ public functions
def get_sequence(value, n, channel_index, name):
    """TF's `_get_sequence`: an int or list of 1, n or n + 2 ints as n + 2 ints (ones in the
    batch and channel positions)."""
    if value is None:
        return [1] * (n + 2)
    if isinstance(value, (list, tuple)):
        value = list(value)
    elif isinstance(value, int) or not hasattr(value, "__len__"):
        value = [value]
    else:
        value = list(value)
    if len(value) == n + 2:
        return value
    if len(value) == 1:
        value = value * n
    elif len(value) != n:
        raise ValueError(f"{name} should be of length 1, {n} or {n + 2}. Received: "
                         f"{name}={value} of length {len(value)}")
    return [1, 1] + value if channel_index == 1 else [1] + value + [1]


def convert_padding(padding, expected_length=4):
    """A padding string, or [[before, after]] * 4 pairs for EXPLICIT: (string, flat pads)."""
    if padding == "EXPLICIT":
        raise ValueError("'EXPLICIT' is not a valid value for `padding`. To use explicit "
                         "padding, `padding` must be a list.")
    if not isinstance(padding, (list, tuple)):
        return padding, []
    explicit = []
    for i, pair in enumerate(padding):
        if not isinstance(pair, (list, tuple)) or len(pair) != 2:
            raise ValueError(f"When `padding` is a list, each element of `padding` must be a "
                             f"list/tuple of size 2. Received: padding={padding} with element "
                             f"at index {i} of value {pair}")
        explicit.extend(int(p) for p in pair)
    if len(padding) != expected_length:
        raise ValueError(f"When padding is a list, it must be of size {expected_length}. "
                         f"Received: padding={padding} of size {len(padding)}")
    return "EXPLICIT", explicit


def _channel_index(data_format):
    return 1 if (data_format or "NHWC").startswith("NC") else 3


def _window_attrs(strides, padding, data_format, dilations):
    """The strides/padding/explicit_paddings/data_format/dilations attrs of a convolution."""
    padding, explicit = convert_padding(padding)
    data_format = data_format or "NHWC"
    channel = _channel_index(data_format)
    return dict(strides=get_sequence(strides, 2, channel, "strides"), padding=padding,
                explicit_paddings=explicit, data_format=data_format,
                dilations=get_sequence(dilations, 2, channel, "dilations"))


def _pick(new, new_name, old, old_name):
    if new is not None and old is not None:
        raise ValueError(f"Cannot specify both '{new_name}' and '{old_name}'.")
    return new if new is not None else old


def conv2d(input, filter=None, strides=None, padding=None,  # noqa: A002
           use_cudnn_on_gpu=True, data_format="NHWC", dilations=None, name=None,
           filters=None):
    """2-D convolution of a 4-D input with a [kh, kw, in_channels, out_channels] filter.

    Args:
        input: a 4-D float Tensor in `data_format` layout.
        filter: the filter Tensor (`filters` is the TF2 spelling).
        strides: an int or a list of 1, 2 or 4 ints.
        padding: "SAME", "VALID", or explicit [[0, 0], [top, bottom], [left, right], [0, 0]].
        use_cudnn_on_gpu: accepted for compatibility.
        data_format: "NHWC" (default) or "NCHW".
        dilations: an int or a list of 1, 2 or 4 ints (default 1).
        name: optional name.
        filters: alias of filter.

    Returns:
        A 4-D Tensor (op `Conv2D`).

    Raises:
        ValueError: bad strides/padding, mismatched depths, or a window larger than a
            VALID input.
    """
    filter = _pick(filters, "filters", filter, "filter")
    return apply_op("Conv2D", input=input, filter=filter, use_cudnn_on_gpu=use_cudnn_on_gpu,
                    name=name, **_window_attrs(strides, padding, data_format, dilations))


def _conv_backprop(op_type, first, second, third, strides, padding, use_cudnn_on_gpu,
                   data_format, dilations, name):
    names = ("input_sizes", "filter") if op_type.endswith("Input") else ("input", "filter_sizes")
    return apply_op(op_type, **{names[0]: first, names[1]: second}, out_backprop=third,
                    use_cudnn_on_gpu=use_cudnn_on_gpu, name=name,
                    **_window_attrs(strides, padding, data_format, dilations))


def conv2d_backprop_input(input_sizes, filter=None, out_backprop=None, strides=None,  # noqa: A002
                          padding=None, use_cudnn_on_gpu=True, data_format="NHWC",
                          dilations=None, name=None, filters=None):
    """The gradient of conv2d with respect to its input (op `Conv2DBackpropInput`).

    Args:
        input_sizes: the input's shape, a 4-element int32 vector.
        filter: the convolution filter (`filters` is an alias).
        out_backprop: the gradient of the convolution's output.
        strides, padding, use_cudnn_on_gpu, data_format, dilations: as in conv2d.
        name: optional name.

    Returns:
        A Tensor shaped input_sizes.
    """
    return _conv_backprop("Conv2DBackpropInput", input_sizes,
                          _pick(filters, "filters", filter, "filter"), out_backprop, strides,
                          padding, use_cudnn_on_gpu, data_format, dilations, name)


def conv2d_backprop_filter(input, filter_sizes, out_backprop, strides, padding,  # noqa: A002
                           use_cudnn_on_gpu=True, data_format="NHWC", dilations=None,
                           name=None):
    """The gradient of conv2d with respect to its filter (op `Conv2DBackpropFilter`).

    Args:
        input: the convolution's input.
        filter_sizes: the filter's shape, a 4-element int32 vector.
        out_backprop: the gradient of the convolution's output.
        strides, padding, use_cudnn_on_gpu, data_format, dilations: as in conv2d.
        name: optional name.

    Returns:
        A Tensor shaped filter_sizes.
    """
    return _conv_backprop("Conv2DBackpropFilter", input, filter_sizes, out_backprop, strides,
                          padding, use_cudnn_on_gpu, data_format, dilations, name)


def conv2d_transpose(value=None, filter=None, output_shape=None, strides=None,  # noqa: A002
                     padding="SAME", data_format="NHWC", name=None, input=None,  # noqa: A002
                     filters=None, dilations=None):
    """The transpose of conv2d ("deconvolution"): op `Conv2DBackpropInput`.

    Args:
        value: a 4-D Tensor [batch, height, width, in_channels] (`input` is an alias).
        filter: [kh, kw, output_channels, in_channels] (`filters` is an alias).
        output_shape: the 4-element shape of the result.
        strides, padding, data_format, dilations: as in conv2d, seen from the output.
        name: optional name scope (default "conv2d_transpose").

    Returns:
        A Tensor shaped output_shape.
    """
    value = _pick(input, "input", value, "value")
    filter = _pick(filters, "filters", filter, "filter")
    with graph_lib.name_scope(name, "conv2d_transpose", [value, filter, output_shape]) as scope:
        return _conv_backprop("Conv2DBackpropInput", output_shape, filter, value, strides,
                              padding, True, data_format, dilations, scope)


def depthwise_conv2d_native(input, filter, strides, padding,  # noqa: A002
                            data_format="NHWC", dilations=None, name=None):
    """Depthwise 2-D convolution (op `DepthwiseConv2dNative`): channel c of the input is
    convolved with filter[:, :, c, :], giving in_channels * multiplier output channels.

    Args:
        input: a 4-D float Tensor.
        filter: [kh, kw, in_channels, channel_multiplier].
        strides: a list of 4 ints (or 1 or 2).
        padding: "SAME", "VALID" or explicit pairs.
        data_format: "NHWC" or "NCHW".
        dilations: a list of 4 ints (or 1 or 2).
        name: optional name.

    Returns:
        A 4-D Tensor.
    """
    return apply_op("DepthwiseConv2dNative", input=input, filter=filter, name=name,
                    **_window_attrs(strides, padding, data_format, dilations))


def depthwise_conv2d(input, filter, strides, padding, rate=None, name=None,  # noqa: A002
                     data_format=None, dilations=None):
    """TF1 `tf.nn.depthwise_conv2d` (scope "depthwise").

    A dilation `rate` > 1 is passed to the native op's `dilations` attr, where TF rewrites
    the input with SpaceToBatchND/BatchToSpaceND: same values, different nodes.

    Args:
        input: a 4-D float Tensor.
        filter: [kh, kw, in_channels, channel_multiplier].
        strides: a list of 4 ints.
        padding: "SAME" or "VALID".
        rate: dilation rate, a list of 2 ints (`dilations` is an alias).
        name: optional name scope.
        data_format: "NHWC" or "NCHW".
        dilations: alias of rate.

    Returns:
        A 4-D Tensor.
    """
    rate = _pick(dilations, "dilations", rate, "rate")
    with graph_lib.name_scope(name, "depthwise", [input, filter]) as scope:
        input = constant_op.convert_to_tensor(input, name="tensor_in")
        filter = constant_op.convert_to_tensor(filter, name="filter_in")
        rate = list(rate) if rate is not None else [1, 1]
        from graphflow.ops import array_ops
        array_ops.shape(filter)
        constant_op.constant(rate, name="dilation_rate")
        return depthwise_conv2d_native(input, filter, strides, padding, data_format=data_format,
                                       dilations=rate, name=scope)


def _pool(op_type, value, ksize, strides, padding, data_format, name, input):
    value = _pick(input, "input", value, "value")
    with graph_lib.name_scope(name, op_type, [value]) as scope:
        # Converted first, as TF does: a float64 array makes a float64 pool (the op's
        # default type, float32, is only for values without a dtype of their own).
        value = constant_op.convert_to_tensor(value, name="input")
        data_format = data_format or "NHWC"
        channel = _channel_index(data_format)
        ksize = get_sequence(ksize, 2, channel, "ksize")
        strides = get_sequence(strides, 2, channel, "strides")
        if any(v == 0 for v in ksize):
            raise ValueError(f"`ksize` cannot be zero. Received: ksize={ksize}")
        extra = {}
        if op_type == "MaxPool":
            padding, extra["explicit_paddings"] = convert_padding(padding)
        extra["value" if op_type == "AvgPool" else "input"] = value
        return apply_op(op_type, ksize=ksize, strides=strides, padding=padding,
                        data_format=data_format, name=scope, **extra)


def max_pool(value, ksize, strides, padding, data_format="NHWC", name=None,
             input=None):  # noqa: A002
    """Max pooling over 2-D windows (op `MaxPool`).

    Args:
        value: a 4-D Tensor (`input` is an alias).
        ksize: the window size: an int or a list of 1, 2 or 4 ints.
        strides: the window stride, likewise.
        padding: "SAME", "VALID" or explicit pairs.
        data_format: "NHWC" or "NCHW".
        name: optional name.
        input: alias of value.

    Returns:
        A 4-D Tensor of value's dtype.

    Raises:
        ValueError: a zero or malformed ksize, bad padding, or a window larger than a VALID
            input.
    """
    return _pool("MaxPool", value, ksize, strides, padding, data_format, name, input)


def avg_pool(value, ksize, strides, padding, data_format="NHWC", name=None,
             input=None):  # noqa: A002
    """Average pooling over 2-D windows (op `AvgPool`); padding is not counted.

    Args:
        value: a 4-D float Tensor (`input` is an alias).
        ksize: the window size: an int or a list of 1, 2 or 4 ints.
        strides: the window stride, likewise.
        padding: "SAME" or "VALID".
        data_format: "NHWC" or "NCHW".
        name: optional name.
        input: alias of value.

    Returns:
        A 4-D Tensor of value's dtype.
    """
    return _pool("AvgPool", value, ksize, strides, padding, data_format, name, input)
