"""`tf.train`: optimizers, the global step and learning-rate schedules."""

from graphflow.train.learning_rate_decay import (
    exponential_decay, inverse_time_decay, piecewise_constant)
from graphflow.train.optimizer import Optimizer
from graphflow.train.optimizers import (
    AdadeltaOptimizer, AdagradOptimizer, AdamOptimizer, GradientDescentOptimizer,
    MomentumOptimizer, RMSPropOptimizer)
from graphflow.train.training_util import (
    create_global_step, get_global_step, get_or_create_global_step, global_step)
