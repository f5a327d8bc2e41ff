"""`tf.train`: optimizers, the global step and learning-rate schedules."""

from graphflow.train.learning_rate_decay import (
    exponential_decay, inverse_time_decay, piecewise_constant)
from graphflow.train.optimizer import Optimizer
from graphflow.train.optimizers import (
    AdadeltaOptimizer, AdagradOptimizer, AdamOptimizer, GradientDescentOptimizer,
    MomentumOptimizer, RMSPropOptimizer)
from graphflow.train.training_util import (
    create_global_step, get_global_step, get_or_create_global_step, global_step)
from graphflow import lazy as _lazy

# Checkpoints and graph files need protobuf: loaded on first use (graphflow/lazy.py).
_lazy.exports(globals(), {
    **{name: "graphflow.train.saver:" + name
       for name in ("Saver", "SaverDef", "export_meta_graph", "import_meta_graph")},
    **{name: "graphflow.train.checkpoint_management:" + name
       for name in ("CheckpointState", "NewCheckpointReader", "checkpoint_exists",
                    "generate_checkpoint_state_proto", "get_checkpoint_mtimes",
                    "get_checkpoint_state", "latest_checkpoint", "list_variables",
                    "load_checkpoint", "load_variable", "meta_graph_filename",
                    "remove_checkpoint", "update_checkpoint_state")},
    "write_graph": "graphflow.io.graph_io:write_graph",
    "summary_iterator": "graphflow.summary:summary_iterator",
})
