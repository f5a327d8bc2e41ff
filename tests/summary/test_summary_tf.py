"""Summary ops against real TensorFlow: the same program gives the same node names, op types
and inputs, and the same serialized Summary bytes."""

import numpy as np
import pytest

import graphflow as gf

pytestmark = pytest.mark.tf


def _program(m, image_dtype):
    """A program using every summary function; returns (feeds, fetches)."""
    x = m.placeholder(m.float32, [None], name="x")
    img = m.placeholder(image_dtype, [None, None, None, None], name="img")
    snd = m.placeholder(m.float32, [None, None, None], name="snd")
    fetches = [m.summary.scalar("x0", x[0]), m.summary.histogram("W", x),
               m.summary.image("img", img, max_outputs=3),
               m.summary.text("note", m.constant(["hello", "wor"])),
               m.summary.audio("snd", snd, 8000.4, max_outputs=2),
               m.summary.tensor_summary("ts", m.constant([[1.5, 2], [3, 4]]),
                                        summary_description="d", display_name="dn")]
    with m.name_scope("sc"):
        fetches.append(m.summary.scalar("ints", m.constant(7, m.int64), family="fam"))
    fetches.append(m.summary.histogram("ints", m.constant([3, 1, 4], m.int32)))
    fetches.append(m.summary.merge_all())
    fetches.append(m.summary.merge(fetches[:2], name="pair"))
    return (x, img, snd), fetches


def _graph_signature(graph):
    return [(op.name, op.type, [t.name for t in op.inputs]) for op in graph.get_operations()]


def _run_both(tf1, image_dtype, values):
    results = []
    for m in (gf, tf1):
        graph = m.Graph()
        with graph.as_default():
            feeds, fetches = _program(m, getattr(m, image_dtype))
            with m.Session(graph=graph) as sess:
                out = sess.run(fetches, dict(zip(feeds, values)))
        results.append((_graph_signature(graph), out,
                        [t.name for t in graph.get_collection("summaries")]))
    return results


@pytest.mark.parametrize("image_dtype", ["float32", "float64", "float16", "uint8"])
def test_same_nodes_and_bytes_as_tf(tf1, image_dtype):
    rng = np.random.RandomState(len(image_dtype))
    xs = (rng.randn(40) * 10.0 ** rng.uniform(-14, 14, 40)).astype(np.float32)
    shape = (3, 17, 23, 3)
    if image_dtype == "uint8":
        images = rng.randint(0, 256, shape).astype(np.uint8)
    else:
        images = (rng.randn(*shape) * 2).astype(image_dtype)
        images[0, 0, 0, 1] = np.inf
    clips = rng.uniform(-1.2, 1.2, (3, 50, 2)).astype(np.float32)
    ours, theirs = _run_both(tf1, image_dtype, (xs, images, clips))
    assert ours[0] == theirs[0]
    assert ours[2] == theirs[2]
    for index, (a, b) in enumerate(zip(ours[1], theirs[1])):
        assert a == b, f"output {index} differs"


@pytest.mark.parametrize("seed", range(6))
def test_png_bytes_equal_tf_for_odd_sizes(tf1, seed):
    rng = np.random.RandomState(seed)
    shape = (2, rng.randint(1, 120), rng.randint(1, 120), int(rng.choice([1, 3, 4])))
    images = rng.rand(*shape).astype(np.float32)
    outs = []
    for m in (gf, tf1):
        graph = m.Graph()
        with graph.as_default():
            s = m.summary.image("i", m.constant(images), max_outputs=2)
            with m.Session(graph=graph) as sess:
                outs.append(sess.run(s))
    assert outs[0] == outs[1]
