"""`tf.train.Saver`, the checkpoint state file, meta graphs restored in a fresh process, a
save killed with SIGKILL, and the errors of restoring into the wrong graph."""

import os
import signal
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import graphflow as gf
from graphflow import errors
from graphflow.io import checkpoint_format

X = np.array([[1.0, 2.0], [0.5, -1.0], [2.0, 0.0]], np.float32)
Y = np.array([[1.0], [0.0], [2.0]], np.float32)


def _model(optimizer=None):
    x = gf.placeholder(gf.float32, [None, 2], name="x")
    y = gf.placeholder(gf.float32, [None, 1], name="y")
    w = gf.Variable([[0.1], [0.2]], name="w")
    b = gf.Variable(0.0, name="b")
    loss = gf.reduce_mean(gf.square(gf.matmul(x, w) + b - y), name="loss")
    step = gf.train.get_or_create_global_step()
    optimizer = optimizer or gf.train.MomentumOptimizer(0.05, 0.9)
    train = optimizer.minimize(loss, global_step=step, name="train")
    return w, b, step, train


FEEDS = {"x:0": X, "y:0": Y}


def test_save_and_restore(tmp_path):
    w, b, step, train = _model()
    saver = gf.train.Saver()
    prefix = str(tmp_path / "model")
    with gf.Session() as sess:
        sess.run(gf.global_variables_initializer())
        sess.run(train, FEEDS)
        path = saver.save(sess, prefix, global_step=step)
        saved = sess.run([w, b, step])
        sess.run(train, FEEDS)
        saver.restore(sess, path)
        restored = sess.run([w, b, step])
    assert path == prefix + "-1"
    assert sorted(os.listdir(tmp_path)) == ["checkpoint", "model-1.gfckpt", "model-1.meta"]
    for got, want in zip(restored, saved):
        np.testing.assert_array_equal(got, want)
    names = sorted(checkpoint_format.Reader(path).names())
    assert names == sorted(["w", "b", "global_step", "w/Momentum", "b/Momentum"])


def test_saver_nodes_and_saver_def_are_tensorflows():
    _model()
    saver = gf.train.Saver(max_to_keep=3)
    saver_def = saver.as_saver_def()
    assert (saver_def.filename_tensor_name, saver_def.save_tensor_name,
            saver_def.restore_op_name) == ("save/Const:0", "save/control_dependency:0",
                                           "save/restore_all")
    assert saver_def.max_to_keep == 3 and saver_def.version == gf.train.SaverDef.V2
    graph = gf.get_default_graph()
    types = {op.name: op.type for op in graph.get_operations() if op.name.startswith("save/")}
    assert types["save/filename/input"] == "Const"
    assert types["save/filename"] == types["save/Const"] == "PlaceholderWithDefault"
    assert types["save/SaveV2"] == "SaveV2" and types["save/RestoreV2"] == "RestoreV2"
    assert types["save/restore_all"] == "NoOp" and types["save/Assign_4"] == "Assign"
    keys = graph.get_operation_by_name("save/SaveV2/tensor_names")
    assert [k.decode() for k in keys.get_attr("value")] == sorted(
        ["b", "b/Momentum", "global_step", "w", "w/Momentum"])
    assert gf.train.Saver(name=None).as_saver_def().restore_op_name == "save_1/restore_all"


@pytest.mark.tf
def test_saver_graph_matches_tensorflows(tf1):
    def nodes(module):
        with module.Graph().as_default() as graph:
            module.Variable([1.0, 2.0], name="z")
            module.Variable(3, name="a")
            module.train.Saver()
            return [(op.name, op.type, [t.name for t in op.inputs],
                     sorted(c.name for c in op.control_inputs))
                    for op in graph.get_operations()]
    assert nodes(gf) == nodes(tf1)


def test_var_lists_and_their_errors(tmp_path):
    w, b, step, _ = _model()
    with gf.Session() as sess:
        sess.run(gf.global_variables_initializer())
        path = gf.train.Saver({"renamed": w}).save(sess, str(tmp_path / "m"))
        assert checkpoint_format.Reader(path).names() == ["renamed"]
        gf.train.Saver([b]).save(sess, str(tmp_path / "only_b"), write_meta_graph=False)
    assert not os.path.exists(tmp_path / "only_b.meta")
    with pytest.raises(ValueError, match="same name: w"):
        gf.train.Saver([w, w])
    with gf.Graph().as_default():
        with pytest.raises(ValueError, match="No variables to save"):
            gf.train.Saver()
        empty = gf.train.Saver(allow_empty=True)
        with gf.Session() as sess:
            assert empty.save(sess, str(tmp_path / "nothing"), write_meta_graph=False) is None
            assert empty.restore(sess, str(tmp_path / "nothing")) is None


def test_max_to_keep_and_the_checkpoint_state(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _, _, step, train = _model()
    saver = gf.train.Saver(max_to_keep=2)
    with gf.Session() as sess:
        sess.run(gf.global_variables_initializer())
        for _ in range(4):
            sess.run(train, FEEDS)
            saver.save(sess, "ckpt/model", global_step=step)
    assert saver.last_checkpoints == ["ckpt/model-3", "ckpt/model-4"]
    assert sorted(os.listdir("ckpt")) == ["checkpoint", "model-3.gfckpt", "model-3.meta",
                                          "model-4.gfckpt", "model-4.meta"]
    assert open("ckpt/checkpoint").read() == (
        'model_checkpoint_path: "model-4"\nall_model_checkpoint_paths: "model-3"\n'
        'all_model_checkpoint_paths: "model-4"\n')
    assert gf.train.latest_checkpoint("ckpt") == os.path.join("ckpt", "model-4")
    state = gf.train.get_checkpoint_state("ckpt")
    assert list(state.all_model_checkpoint_paths) == ["ckpt/model-3", "ckpt/model-4"]
    assert gf.train.checkpoint_exists("ckpt/model-3") and \
        not gf.train.checkpoint_exists("ckpt/model-2")
    assert gf.train.latest_checkpoint("elsewhere") is None
    assert gf.train.list_variables("ckpt")[0] == ("b", [])
    assert gf.train.load_variable("ckpt", "global_step:0") == 4
    reader = gf.train.NewCheckpointReader("ckpt/model-3")
    assert reader.get_variable_to_shape_map()["w"] == [2, 1]
    assert reader.get_variable_to_dtype_map()["global_step"] == gf.int64


def test_keep_all_padding_relative_paths_and_state_file_name(tmp_path):
    _, _, step, train = _model()
    saver = gf.train.Saver(max_to_keep=None, pad_step_number=True, save_relative_paths=True)
    prefix = str(tmp_path / "m")
    with gf.Session() as sess:
        sess.run(gf.global_variables_initializer())
        for i in range(3):
            saver.save(sess, prefix, global_step=i, latest_filename="state",
                       write_meta_graph=False)
    assert sorted(os.listdir(tmp_path)) == ["m-00000000.gfckpt", "m-00000001.gfckpt",
                                            "m-00000002.gfckpt", "state"]
    assert 'model_checkpoint_path: "m-00000002"' in open(tmp_path / "state").read()
    assert gf.train.latest_checkpoint(str(tmp_path), "state") == prefix + "-00000002"
    with pytest.raises(ValueError, match="must not contain path components"):
        saver.save(None, prefix, latest_filename="a/b")
    with pytest.raises(ValueError, match="collides with 'save_path'"):
        saver.save(None, str(tmp_path / "checkpoint"))


def test_saving_errors(tmp_path):
    _model()
    saver = gf.train.Saver()
    with gf.Session() as sess:
        with pytest.raises(errors.FailedPreconditionError, match="uninitialized value"):
            saver.save(sess, str(tmp_path / "m"))
        sess.run(gf.global_variables_initializer())
        with pytest.raises(ValueError, match="Parent directory of .*a/b/m doesn't exist"):
            saver.save(sess, str(tmp_path / "a" / "b" / "m"))
        assert saver.save(sess, str(tmp_path / "new" / "m")) == str(tmp_path / "new" / "m")
        with pytest.raises(TypeError, match="must be a Session"):
            saver.save("not a session", str(tmp_path / "m"))


def _save_other_model(tmp_path, w_value, extra=False):
    with gf.Graph().as_default():
        gf.Variable(w_value, name="w")
        gf.Variable(0.0, name="b")
        if extra:
            gf.Variable(1.0, name="extra")
        with gf.Session() as sess:
            sess.run(gf.global_variables_initializer())
            return gf.train.Saver().save(sess, str(tmp_path / "other"), write_meta_graph=False)


def test_restoring_into_the_wrong_graph(tmp_path):
    gf.Variable([[0.1], [0.2]], name="w")
    gf.Variable(0.0, name="b")
    saver = gf.train.Saver()
    with gf.Session() as sess:
        with pytest.raises(ValueError, match="not a valid checkpoint"):
            saver.restore(sess, str(tmp_path / "missing"))
        with pytest.raises(ValueError, match="save_path when it is None"):
            saver.restore(sess, None)
        path = _save_other_model(tmp_path, [1.0, 2.0, 3.0])
        with pytest.raises(errors.InvalidArgumentError) as info:
            saver.restore(sess, path)
        assert "Variable: 'w'" in info.value.message
        assert "lhs shape= [2, 1] rhs shape= [3]" in info.value.message
        assert "mismatch between the current graph" in info.value.message
        path = _save_other_model(tmp_path, np.zeros((2, 1), np.float64))
        with pytest.raises(errors.InvalidArgumentError, match="tensor_name = w; expected dtype "
                                                              "float does not equal original "
                                                              "dtype double"):
            saver.restore(sess, path)
    with gf.Graph().as_default():
        gf.Variable(1.0, name="unknown")
        with gf.Session() as sess, pytest.raises(errors.NotFoundError,
                                                 match="Key unknown not found in checkpoint"):
            gf.train.Saver().restore(sess, path)


def test_a_corrupted_checkpoint_is_data_loss_naming_the_tensor(tmp_path):
    w = gf.Variable(np.arange(100, dtype=np.float32), name="w")
    saver = gf.train.Saver()
    with gf.Session() as sess:
        sess.run(w.initializer)
        path = saver.save(sess, str(tmp_path / "m"))
        data = bytearray(open(path + ".gfckpt", "rb").read())
        data[len(data) // 2] ^= 0x40
        open(path + ".gfckpt", "wb").write(bytes(data))
        with pytest.raises(errors.DataLossError, match="tensor 'w'"):
            saver.restore(sess, path)


# ------------------------------------------------------------------ other processes
def _run_script(script, tmp_path, **kwargs):
    return subprocess.run([sys.executable, "-c", textwrap.dedent(script)], cwd=tmp_path,
                          check=True, timeout=300, **kwargs)


def test_meta_graph_restores_and_trains_in_a_fresh_process(tmp_path):
    fetches = ["loss:0", "w:0", "b:0", "global_step:0", "w/Momentum:0"]
    with gf.Graph().as_default():
        _, _, _, train = _model(gf.train.MomentumOptimizer(0.05, 0.9))
        saver = gf.train.Saver()
        with gf.Session() as sess:
            sess.run(gf.global_variables_initializer())
            for _ in range(3):
                sess.run(train, FEEDS)
            saver.save(sess, str(tmp_path / "model"), global_step=3)
            for _ in range(3):
                sess.run(train, FEEDS)
            expected = sess.run(fetches, FEEDS)
    script = f"""
        import numpy as np
        import graphflow as tf
        saver = tf.train.import_meta_graph("model-3.meta")
        assert [v.op.name for v in tf.trainable_variables()] == ["w", "b"]
        assert tf.train.get_global_step().op.name == "global_step"
        train = tf.get_collection("train_op")[0]
        feeds = {{"x:0": np.array({X.tolist()}, np.float32),
                  "y:0": np.array({Y.tolist()}, np.float32)}}
        with tf.Session() as sess:
            saver.restore(sess, tf.train.latest_checkpoint("."))
            for _ in range(3):
                sess.run(train, feeds)
            values = sess.run({fetches!r}, feeds)
        np.savez("values.npz", *values)
        """
    _run_script(script, tmp_path)
    with np.load(tmp_path / "values.npz", allow_pickle=False) as values:
        for i, want in enumerate(expected):
            np.testing.assert_array_equal(values[f"arr_{i}"], want)


def test_meta_graph_collections_round_trip(tmp_path):
    _model()
    gf.add_to_collection("numbers", 3)
    gf.add_to_collection("numbers", 4)
    gf.add_to_collection("rates", 0.5)
    gf.add_to_collection("labels", "first")
    gf.add_to_collection("odd", object())
    saver = gf.train.Saver()
    gf.add_to_collection(gf.GraphKeys.SAVERS, saver)
    meta = gf.train.export_meta_graph(str(tmp_path / "m.meta"), saver_def=saver.saver_def)
    assert "odd" not in meta.collection_def
    op_names = [op.name for op in meta.meta_info_def.stripped_op_list.op]
    assert op_names == sorted(op_names) and "ApplyMomentum" in op_names
    with gf.Graph().as_default():
        restored = gf.train.import_meta_graph(str(tmp_path / "m.meta"), import_scope="copy")
        assert restored.saver_def.restore_op_name == "copy/save/restore_all"
        assert gf.get_collection("numbers") == [3, 4] and gf.get_collection("rates") == [0.5]
        assert gf.get_collection("labels") == [b"first"]
        assert [v.name for v in gf.global_variables()] == [
            "copy/w:0", "copy/b:0", "copy/global_step:0", "copy/w/Momentum:0",
            "copy/b/Momentum:0"]
        assert gf.trainable_variables()[0] is gf.global_variables()[0]
        assert gf.get_collection(gf.GraphKeys.SAVERS)[0].saver_def.save_tensor_name == \
            "copy/save/control_dependency:0"
        assert gf.get_collection("train_op")[0].name == "copy/train"


def test_killing_a_save_leaves_the_previous_checkpoint(tmp_path):
    script = """
        import sys, time
        import numpy as np
        import graphflow as tf
        from graphflow.io import checkpoint_format
        a = tf.Variable(np.full(1000, 1.0, np.float32), name="a")
        b = tf.Variable(np.full(1000, 2.0, np.float32), name="b")
        saver = tf.train.Saver()
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            saver.save(sess, "model")
            sess.run([a.assign(a * 10.0), b.assign(b * 10.0)])
            write_record = checkpoint_format.write_record

            def slow_write_record(f, name, array):
                write_record(f, name, array)
                f.flush()
                print("MIDWAY", flush=True)
                time.sleep(120)
            checkpoint_format.write_record = slow_write_record
            saver.save(sess, "model")
        """
    child = subprocess.Popen([sys.executable, "-c", textwrap.dedent(script)], cwd=tmp_path,
                             stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "MIDWAY"
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.wait(timeout=60)
    assert child.returncode == -signal.SIGKILL
    partial = [n for n in os.listdir(tmp_path) if ".tmp" in n]
    assert partial, "the killed save should have been writing a temporary file"
    with gf.Graph().as_default():
        a = gf.Variable(np.zeros(1000, np.float32), name="a")
        b = gf.Variable(np.zeros(1000, np.float32), name="b")
        with gf.Session() as sess:
            gf.train.Saver().restore(sess, str(tmp_path / "model"))
            np.testing.assert_array_equal(sess.run(a), np.full(1000, 1.0, np.float32))
            np.testing.assert_array_equal(sess.run(b), np.full(1000, 2.0, np.float32))
