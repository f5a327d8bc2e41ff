"""GraphDef, meta graph and checkpoint serialization (`tf.io`'s graph functions).

`graph_def` exports graphs, `importer` imports GraphDefs, `meta_graph` handles meta graphs,
`checkpoint_format` is graphflow's checkpoint file and `tf_bundle` reads TensorFlow's.
"""

from graphflow.io.graph_io import write_graph
