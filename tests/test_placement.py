"""Device placement: TF's errors and soft placement, log_device_placement, and (with a fake GPU
whose arrays CPU kernels cannot read) transfers only at device boundaries and device-resident
variables across runs."""

import numpy as np
import pytest

import graphflow as tf
from graphflow import devices
from graphflow import errors
from graphflow.kernels import registry as kernel_registry
from graphflow.runtime_state import VariableSlot


def _matmul_graph():
    with tf.device("/gpu:0"):
        a = tf.constant([[1.0, 2.0]], name="a")
        return tf.matmul(a, tf.transpose(a), name="mm")


def test_explicit_gpu_without_gpu_is_tf_error():
    mm = _matmul_graph()
    assert mm.device == "/device:GPU:0"
    with tf.Session(config=tf.ConfigProto(device_count={"GPU": 0})) as sess:
        with pytest.raises(errors.InvalidArgumentError,
                           match=r"Cannot assign a device for operation .*explicitly assigned "
                                 r"to /device:GPU:0 but available devices are \[ /job:localhost"
                                 r"/replica:0/task:0/device:CPU:0 \]"):
            sess.run(mm)


def test_soft_placement_runs_on_cpu_and_logs(capsys):
    mm = _matmul_graph()
    config = tf.ConfigProto(allow_soft_placement=True, log_device_placement=True,
                            device_count={"GPU": 0})
    with tf.Session(config=config) as sess:
        with pytest.warns(RuntimeWarning, match="running it on the CPU"):
            assert sess.run(mm)[0, 0] == 5.0
    out = capsys.readouterr().out
    assert "mm: (MatMul): /job:localhost/replica:0/task:0/device:CPU:0" in out


def test_list_devices_and_is_gpu_available():
    with tf.Session(config=tf.ConfigProto(device_count={"GPU": 0})) as sess:
        names = [(d.name, d.device_type) for d in sess.list_devices()]
    assert names == [("/job:localhost/replica:0/task:0/device:CPU:0", "CPU")]
    assert tf.test.is_gpu_available() in (True, False)


# ------------------------------------------------------------------ a fake GPU
class FakeArray:
    """A 'device array': CPU kernels cannot compute with it, so any missing transfer fails."""

    def __init__(self, value):
        self.value = np.array(value)
        self.shape, self.dtype = self.value.shape, self.value.dtype
        self.size, self.ndim = self.value.size, self.value.ndim


class FakeGPU(devices.Device):
    device_type = "GPU"
    kernel_device = "FAKEGPU"

    def __init__(self):
        super().__init__(0)
        self.to_device_count = 0
        self.to_host_count = 0

    def to_device(self, array):
        self.to_device_count += 1
        return FakeArray(array)

    def to_host(self, array):
        self.to_host_count += 1
        return array.value.copy()


def _unwrap(x):
    if isinstance(x, VariableSlot):
        return x
    if isinstance(x, np.ndarray):  # only integer (host-memory) arguments stay on the host
        assert x.dtype in (np.int32, np.int64), f"a host {x.dtype} array reached a GPU kernel"
        return x
    assert isinstance(x, FakeArray), f"a host value reached a GPU kernel: {type(x)}"
    return x.value


def _fake_kernel(op_type):
    cpu_factory = kernel_registry.lookup(op_type, "CPU")

    def factory(node, state):
        run = cpu_factory(node, state)

        def fake_run(*args):
            slots = [a for a in args if isinstance(a, VariableSlot)]
            for slot in slots:  # variables hold FakeArrays on the fake GPU
                if isinstance(slot.value, FakeArray):
                    slot.value = slot.value.value
            outs = run(*[_unwrap(a) for a in args])
            for slot in slots:
                if slot.value is not None and not isinstance(slot.value, FakeArray):
                    slot.value = FakeArray(slot.value)
            return tuple(o if isinstance(o, VariableSlot) else FakeArray(o) for o in outs)
        return fake_run
    return factory


FAKE_OPS = ["MatMul", "AddV2", "Sub", "Mul", "Square", "Sum", "Mean", "Reshape", "Tile",
            "Identity", "VariableV2", "Assign", "ApplyGradientDescent", "NoOp", "Neg",
            "BroadcastGradientArgs", "RealDiv", "FloorDiv", "Shape", "Fill", "Const",
            "ConcatV2"]


@pytest.fixture
def fake_gpu():
    for op_type in FAKE_OPS:
        if (op_type, "FAKEGPU") not in kernel_registry._FACTORIES:
            kernel_registry.register(op_type, "FAKEGPU")(_fake_kernel(op_type))
    device = devices.register(FakeGPU())
    yield device
    devices.unregister("GPU")


def test_training_keeps_variables_on_the_device(fake_gpu):
    x = tf.placeholder(tf.float32, [None, 2], name="x")
    y = tf.placeholder(tf.float32, [None, 1], name="y")
    with tf.device("/gpu:0"):
        w = tf.Variable(tf.zeros([2, 1]), name="w")
        loss = tf.reduce_mean(tf.square(tf.matmul(x, w) - y))
    train = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
    xs = np.array([[1.0, 2.0], [3.0, 1.0]], np.float32)
    ys = np.array([[1.0], [2.0]], np.float32)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        slot = sess._state.variables["w"]
        assert isinstance(slot.value, FakeArray)
        sess.run([train, loss], {x: xs, y: ys})  # plan compilation copies constants once
        before = (fake_gpu.to_device_count, fake_gpu.to_host_count)
        for _ in range(5):
            sess.run([train, loss], {x: xs, y: ys})
        per_run = ((fake_gpu.to_device_count - before[0]) / 5,
                   (fake_gpu.to_host_count - before[1]) / 5)
        # In: the feeds x and y, and one scalar (the Mean gradient's element count, an int32
        # cast to float on the host). Out: only the fetched loss. Variables never move.
        assert per_run == (3.0, 1.0), per_run
        assert isinstance(slot.value, FakeArray)
        w_value = sess.run(w)
    expected = np.zeros((2, 1), np.float32)
    for _ in range(6):
        grad = 2 * xs.T @ (xs @ expected - ys) / len(xs)
        expected -= np.float32(0.1) * grad
    np.testing.assert_allclose(w_value, expected, rtol=1e-6)


def test_ops_without_gpu_kernel_soft_place_to_cpu(fake_gpu):
    with tf.device("/gpu:0"):
        a = tf.constant([3.0, -1.0])
        b = tf.nn.relu(a) + 1.0  # Relu has no fake-GPU kernel
    with tf.Session(config=tf.ConfigProto(allow_soft_placement=True)) as sess:
        with pytest.warns(RuntimeWarning, match="has no GPU kernel"):
            np.testing.assert_array_equal(sess.run(b), [4.0, 1.0])
    with tf.Session() as sess:
        with pytest.raises(errors.InvalidArgumentError, match="no supported kernel for GPU"):
            sess.run(b)


def test_shape_like_int64_arguments_stay_in_host_memory(fake_gpu):
    with tf.device("/gpu:0"):
        a = tf.constant([[1.0, 2.0]])
        b = tf.placeholder(tf.float32, [1, 2])
        axis = tf.placeholder(tf.int64, [])
        joined = tf.concat([a, b], axis=axis)
        total = tf.reduce_sum(joined, axis=tf.constant([1], tf.int64))
    with tf.Session() as sess:
        for fetch, axis_value, want in ((total, 0, [3.0, 7.0]),
                                        (joined, 1, [[1.0, 2.0, 3.0, 4.0]])):
            feeds = {b: [[3.0, 4.0]], axis: axis_value}
            sess.run(fetch, feeds)  # plan compilation copies the constant `a` once
            before = fake_gpu.to_device_count
            np.testing.assert_array_equal(sess.run(fetch, feeds), want)
            # Only the float feed goes to the device: the int64 axes stay on the host.
            assert fake_gpu.to_device_count - before == 1
