"""graphflow: a TensorFlow-1.x-style static dataflow graph engine with Numba kernels.

`import graphflow as tf` runs TF1 graph-mode programs: the names below are those of
`tensorflow.compat.v1`.
"""

__version__ = "0.1.0"

from graphflow import errors
from graphflow.dtypes import (
    DType, as_dtype, float16, half, float32, float64, double, int8, int16, int32, int64, uint8,
    uint16, uint32, uint64, bool, string, float32_ref, float64_ref, int32_ref, int64_ref)
from graphflow.tensor_shape import Dimension, TensorShape, dimension_value
from graphflow.graph import (
    Graph, GraphKeys, Operation, Tensor, add_to_collection, add_to_collections,
    control_dependencies, device, get_collection, get_collection_ref, get_default_graph,
    is_tensor, name_scope, reset_default_graph)
from graphflow.config import ConfigProto, GPUOptions, GraphOptions
from graphflow.session import InteractiveSession, Session, get_default_session
from graphflow.ops.constant_op import constant, convert_to_tensor
from graphflow.ops.math_ops import (
    abs, accumulate_n, add, add_n, argmax, argmin, cast, ceil, clip_by_value, cos, cumprod, cumsum,
    div,
    divide, equal, exp, expm1, floor, floordiv, floormod, greater, greater_equal, less,
    less_equal, log, log1p, logical_and, logical_not, logical_or, logical_xor, maximum, minimum,
    mod, multiply, negative, not_equal, pow, range, realdiv, reciprocal, reduce_all, reduce_any,
    reduce_max, reduce_mean, reduce_min, reduce_prod, reduce_sum, round, rsqrt, saturate_cast,
    scalar_mul, sigmoid, sign, sin, sqrt, square, squared_difference, subtract, tan, tanh,
    to_double, to_float, to_int32, to_int64, truediv, truncatediv, where, where_v2)
from graphflow.ops.array_ops import (
    group, identity, no_op, pack, placeholder, placeholder_with_default, rank, shape, size,
    stack, stop_gradient, unpack, unstack)
from graphflow.ops.array_ops import tuple_ as tuple  # noqa: A001 - TF's public name
from graphflow.ops import overloads as _overloads  # noqa: F401 - installs Tensor operators

newaxis = None
from graphflow.variables import (
    Variable, VariableV1, all_variables, global_variables, global_variables_initializer,
    initialize_all_variables, initialize_variables, is_variable_initialized,
    local_variables, local_variables_initializer, model_variables, moving_average_variables,
    report_uninitialized_variables, trainable_variables, variables_initializer)
from graphflow.ops.state_ops import assign, assign_add, assign_sub

# --- manip ops (shape manipulation, slicing): exports go below this line
from graphflow.ops.manip_ops import (
    boolean_mask, broadcast_to, concat, expand_dims, fill, ones, ones_like, pad, reshape, reverse,
    reverse_v2, shape_n, split, squeeze, tile, transpose, zeros, zeros_like)
from graphflow.ops.slicing import gather, one_hot, slice, strided_slice  # noqa: A004
# --- end manip ops
# --- linalg ops: exports go below this line
from graphflow.ops.linalg_ops import matmul, sparse_matmul, tensordot
# --- end linalg ops
# --- random ops, initializers, variable scopes: exports go below this line
from graphflow.ops.random_ops import (
    get_seed, multinomial, random, random_normal, random_shuffle, random_uniform,
    set_random_seed, truncated_normal)
from graphflow.ops.init_ops import (
    constant_initializer, glorot_normal_initializer, glorot_uniform_initializer, initializers,
    ones_initializer, random_normal_initializer, random_uniform_initializer,
    truncated_normal_initializer, uniform_unit_scaling_initializer,
    variance_scaling_initializer, zeros_initializer)
from graphflow.variable_scope import (
    AUTO_REUSE, VariableScope, get_local_variable, get_variable, get_variable_scope,
    no_regularizer, variable_op_scope, variable_scope)
# --- end random ops

from graphflow.gradients_impl import gradients, hessians
from graphflow import train
from graphflow import test

# --- nn ops, losses, layers: exports go below this line
from graphflow import nn
from graphflow import losses
from graphflow import layers
from graphflow.ops.losses_impl import div_no_nan
# --- end nn ops
# --- io (GraphDef, graph_util, Saver, meta graphs), summaries, viewer: loaded on first use
from graphflow import lazy as _lazy
from graphflow.ops import io_ops as _io_ops  # noqa: F401 - op definitions (SaveV2, ...)
from graphflow.ops import summary_ops as _summary_ops  # noqa: F401 - op definitions

_lazy.exports(globals(), {
    "RunMetadata": "graphflow.config:RunMetadata",  # itself lazy there
    "RunOptions": "graphflow.config:RunOptions",
    "import_graph_def": "graphflow.io.importer:import_graph_def",
    "make_ndarray": "graphflow.io.protos:make_ndarray",
    "make_tensor_proto": "graphflow.io.protos:make_tensor_proto",
    "AttrValue": "graphflow.proto.attr_value_pb2:AttrValue",
    "NameAttrList": "graphflow.proto.attr_value_pb2:NameAttrList",
    "GraphDef": "graphflow.proto.graph_pb2:GraphDef",
    "VersionDef": "graphflow.proto.graph_pb2:VersionDef",
    "MetaGraphDef": "graphflow.proto.meta_graph_pb2:MetaGraphDef",
    "NodeDef": "graphflow.proto.node_def_pb2:NodeDef",
    "TensorProto": "graphflow.proto.tensor_pb2:TensorProto",
    "TensorShapeProto": "graphflow.proto.tensor_shape_pb2:TensorShapeProto",
    "graph_util": "graphflow.graph_util",
    "io": "graphflow.io",
    "summary": "graphflow.summary",
    "viewer": "graphflow.viewer",
    "Event": "graphflow.proto.event_pb2:Event",
    "SessionLog": "graphflow.proto.event_pb2:SessionLog",
    "HistogramProto": "graphflow.proto.summary_pb2:HistogramProto",
    "Summary": "graphflow.proto.summary_pb2:Summary",
    "SummaryMetadata": "graphflow.proto.summary_pb2:SummaryMetadata",
})

from graphflow import fast_exit as _fast_exit

_fast_exit.install()
