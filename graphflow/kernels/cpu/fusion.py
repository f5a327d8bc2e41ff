"""Elementwise fusion for CPU plans (being written; see the performance issue).

`fuse(steps, keep)` receives the plan's steps in execution order (after constant folding) and
the slots that must stay materialised (fetches); it returns the steps to run, in which maximal
groups of elementwise steps may be replaced by single fused steps. Until it is written it
returns the steps unchanged.
"""


def fuse(steps, keep):
    """Returns `steps` with fusible elementwise groups replaced by fused steps."""
    return steps
