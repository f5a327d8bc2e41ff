"""tf.summary: summary ops and event files (being written)."""
