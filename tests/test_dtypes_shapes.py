"""DType and TensorShape/Dimension behaviour, checked against TF1's documented semantics."""

import numpy as np
import pytest

import graphflow as tf
from graphflow import tensor_shape


@pytest.mark.parametrize("name, enum, np_type", [
    ("float16", 19, np.float16), ("float32", 1, np.float32), ("float64", 2, np.float64),
    ("int8", 6, np.int8), ("int16", 5, np.int16), ("int32", 3, np.int32), ("int64", 9, np.int64),
    ("uint8", 4, np.uint8), ("bool", 10, np.bool_), ("string", 7, np.object_)])
def test_dtype_table(name, enum, np_type):
    d = getattr(tf, name)
    assert d.name == name and d.as_datatype_enum == enum
    assert d.as_numpy_dtype is np_type
    assert tf.as_dtype(name) is d and tf.as_dtype(enum) is d
    if name != "string":
        assert tf.as_dtype(np.dtype(np_type)) is d


def test_dtype_properties():
    assert tf.float32.is_floating and not tf.float32.is_integer
    assert tf.int32.is_integer and not tf.uint8.is_floating and tf.uint8.is_unsigned
    assert tf.bool.is_bool
    assert tf.float32.min == np.finfo(np.float32).min and tf.int8.max == 127
    assert tf.float32.size == 4 and tf.float16.size == 2
    assert tf.as_dtype("float") is tf.float32 and tf.as_dtype("double") is tf.float64
    assert tf.as_dtype(float) is tf.float32
    assert tf.float32_ref.base_dtype is tf.float32 and tf.float32_ref.is_ref_dtype
    assert tf.float32.is_compatible_with(tf.float32_ref)
    assert repr(tf.float32) == "tf.float32"
    with pytest.raises(TypeError):
        tf.as_dtype("floaty")
    with pytest.raises(TypeError):
        tf.string.min


def test_dimension():
    d = tf.Dimension(3)
    assert d == 3 and d.value == 3 and int(d) == 3
    assert (d + 1).value == 4 and (d * tf.Dimension(None)).value is None
    assert (tf.Dimension(None) == 3) is None
    assert d.is_compatible_with(None) and not d.is_compatible_with(4)
    assert d.merge_with(None).value == 3
    with pytest.raises(ValueError):
        d.merge_with(4)
    with pytest.raises(ValueError):
        tf.Dimension(-1)


def test_tensor_shape_basics():
    s = tf.TensorShape([2, None, 4])
    assert s.ndims == 3 and s.rank == 3 and s.as_list() == [2, None, 4]
    assert str(s) == "(2, ?, 4)"
    assert repr(s) == "TensorShape([Dimension(2), Dimension(None), Dimension(4)])"
    assert isinstance(s[0], tf.Dimension) and s[0] == 2
    assert s[1:].as_list() == [None, 4]
    assert not s.is_fully_defined() and s.num_elements() is None
    assert tf.TensorShape([2, 3]).num_elements() == 6
    assert tf.TensorShape([]).num_elements() == 1


def test_unknown_rank():
    s = tf.TensorShape(None)
    assert s.ndims is None and str(s) == "<unknown>"
    with pytest.raises(ValueError):
        s.as_list()
    assert s.is_compatible_with([1, 2, 3])
    assert s.merge_with([1, None]).as_list() == [1, None]


def test_compatibility_and_merge():
    a = tf.TensorShape([None, 3])
    assert a.is_compatible_with([5, 3]) and not a.is_compatible_with([5, 4])
    assert not a.is_compatible_with([3])
    assert a.merge_with([5, None]).as_list() == [5, 3]
    with pytest.raises(ValueError):
        a.merge_with([5, 4])
    assert a.most_specific_compatible_shape([5, 3]).as_list() == [None, 3]
    assert a.concatenate([7]).as_list() == [None, 3, 7]
    assert tensor_shape.unknown_shape(rank=2).as_list() == [None, None]
    with pytest.raises(ValueError):
        a.with_rank(3)
    assert a == tf.TensorShape([None, 3])


def test_tensor_shape_matches_tf(tf1):
    s = tf.TensorShape([2, None])
    t = tf1.TensorShape([2, None])
    assert str(s) == str(t) and repr(s) == repr(t)
    assert s.as_list() == t.as_list()
